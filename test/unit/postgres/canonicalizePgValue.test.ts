import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { canonicalizePgValue } from '../../../shared/postgres/canonicalizePgValue';
import type { PgTypeInfo } from '../../../shared/postgres/PgTypeInfo';
import { canonicalTimestamp, canonicalTimestamptz } from '../../../shared/postgres/pgTimestamp';

const type = (kind: PgTypeInfo['kind'], element?: PgTypeInfo): PgTypeInfo => ({ oid: 0, kind, element });

describe('Function: canonicalTimestamptz', () => {
  it.each([
    ['2021-03-04 05:06:07.123456+05:30', '2021-03-03T23:36:07.123456Z'],
    ['2024-02-29 23:59:59.5+01', '2024-02-29T22:59:59.500000Z'],
    ['1900-01-01 00:00:00+00:53:28', '1899-12-31T23:06:32.000000Z'],
    ['2024-06-01 12:00:00-09:30', '2024-06-01T21:30:00.000000Z'],
    ['0044-03-15 12:00:00+00 BC', '-000043-03-15T12:00:00.000000Z'],
  ])('%s is %s', (text, expected) => {
    expect(canonicalTimestamptz(text)).toBe(expected);
  });

  it('keeps infinity as PostgreSQL prints it', () => {
    expect(canonicalTimestamptz('infinity')).toBe('infinity');
    expect(canonicalTimestamptz('-infinity')).toBe('-infinity');
  });
});

describe('Function: canonicalTimestamp', () => {
  it('writes six fractional digits and no zone', () => {
    expect(canonicalTimestamp('2024-12-31 23:59:59.999999')).toBe('2024-12-31T23:59:59.999999');
    expect(canonicalTimestamp('0099-01-01 00:00:00')).toBe('0099-01-01T00:00:00.000000');
  });
});

describe('Function: canonicalizePgValue', () => {
  it('keeps int8 and numeric digits exact as strings', () => {
    expect(canonicalizePgValue('9223372036854775807', type('int8'))).toBe('9223372036854775807');
    expect(canonicalizePgValue('12345678901234567890.123456789012345678', type('exact'))).toBe(
      '12345678901234567890.123456789012345678',
    );
  });

  it('writes finite floats as numbers and NaN/Infinity as strings', () => {
    expect(canonicalizePgValue('4.25', type('float'))).toBe(4.25);
    expect(canonicalizePgValue('NaN', type('float'))).toBe('NaN');
    expect(canonicalizePgValue('-Infinity', type('float'))).toBe('-Infinity');
  });

  it('turns bytea hex into base64 and lower-cases uuids', () => {
    expect(canonicalizePgValue('\\x89504e47', type('bytea'))).toBe('iVBORw==');
    expect(canonicalizePgValue('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', type('uuid'))).toBe(
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    );
  });

  it('canonicalises array elements by their element type, NULLs included', () => {
    const value = canonicalizePgValue('{{1,NULL},{3,4}}', type('array', type('int')));
    expect(value).toEqual([
      [1, null],
      [3, 4],
    ]);
    const stamps = canonicalizePgValue('{"2024-01-01 00:00:00+02"}', type('array', type('timestamptz')));
    expect(stamps).toEqual(['2023-12-31T22:00:00.000000Z']);
  });

  it('parses JSON keeping the exact digits of every number', () => {
    const value = canonicalizePgValue('{"n": 123456789012345678901234567890, "s": "ü"}', type('json'));
    expect(canonicalJson(value)).toBe('{"n":123456789012345678901234567890,"s":"ü"}');
  });
});
