import { describe, expect, it } from 'vitest';
import { acceptsValue, searchFormOf } from '../../../shared/postgres/acceptsValue';
import type { PgColumn } from '../../../shared/postgres/readPgCatalog';

const column = (typeOid: number, category: string): PgColumn => ({
  name: 'c',
  ordinal: 1,
  typeOid,
  typeName: 't',
  castType: 't',
  category,
  notNull: false,
});
const INT4 = column(23, 'N');
const NUMERIC = column(1700, 'N');
const UUID = column(2950, 'U');
const TEXT = column(25, 'S');

describe('Function: searchFormOf', () => {
  it('searches an integer column for the integer a value with a fraction of zeros writes', () => {
    expect(searchFormOf(INT4, '5.0')).toBe('5');
    expect(searchFormOf(INT4, '-12.000')).toBe('-12');
    expect(searchFormOf(INT4, '5')).toBe('5');
    expect(searchFormOf(INT4, '5.5')).toBeUndefined();
    expect(searchFormOf(INT4, '99999999999.0')).toBeUndefined();
    expect(searchFormOf(TEXT, '5.0')).toBe('5.0');
  });

  it('reads a uuid between braces only when both are there, as PostgreSQL does', () => {
    expect(acceptsValue(UUID, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')).toBe(true);
    expect(acceptsValue(UUID, '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}')).toBe(true);
    expect(acceptsValue(UUID, 'A0EEBC999C0B4EF8BB6D6BB9BD380A11')).toBe(true);
    expect(acceptsValue(UUID, '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')).toBe(false);
    expect(acceptsValue(UUID, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}')).toBe(false);
  });

  it('refuses a numeric whose exponent overflows numeric', () => {
    expect(acceptsValue(NUMERIC, '1e5')).toBe(true);
    expect(acceptsValue(NUMERIC, '1.5E-300')).toBe(true);
    expect(acceptsValue(NUMERIC, '1e999999')).toBe(false);
    expect(acceptsValue(NUMERIC, '1e-99999')).toBe(false);
    expect(acceptsValue(NUMERIC, '1'.repeat(1001))).toBe(false);
  });
});
