import { describe, expect, it } from 'vitest';
import { checkColumnContract } from '../../../shared/drift/checkColumnContract';
import { sourceColumnType } from '../../../shared/drift/sourceColumnType';
import type { SnowflakeColumn } from '../../../shared/snowflake/SnowflakeColumn';

const pg = (typeName: string, category = 'X') => ({ typeName, category });
const sf = (dataType: string, extra: Partial<SnowflakeColumn> = {}): SnowflakeColumn => ({
  name: 'C',
  ordinal: 1,
  dataType,
  length: undefined,
  precision: undefined,
  scale: undefined,
  nullable: true,
  ...extra,
});
const text = (length?: number) => sf('TEXT', { length });
const number = (precision: number, scale: number) => sf('NUMBER', { precision, scale });

describe('Function: sourceColumnType', () => {
  it.each([
    ['character varying(255)', { kind: 'text', length: 255 }],
    ['character varying', { kind: 'text', length: undefined }],
    ['character(2)', { kind: 'text', length: 2 }],
    ['text', { kind: 'text', length: undefined }],
    ['smallint', { kind: 'integer', digits: 5 }],
    ['integer', { kind: 'integer', digits: 10 }],
    ['bigint', { kind: 'integer', digits: 19 }],
    ['numeric(38,18)', { kind: 'numeric', precision: 38, scale: 18 }],
    ['numeric(12)', { kind: 'numeric', precision: 12, scale: 0 }],
    ['numeric', { kind: 'numeric', precision: undefined, scale: 0 }],
    ['timestamp with time zone', { kind: 'timestamptz' }],
    ['timestamp(3) with time zone', { kind: 'timestamptz' }],
    ['timestamp without time zone', { kind: 'timestamp' }],
    ['time without time zone', { kind: 'time' }],
    ['double precision', { kind: 'float' }],
    ['real', { kind: 'float' }],
    ['jsonb', { kind: 'json' }],
    ['json', { kind: 'json' }],
    ['bytea', { kind: 'bytea' }],
    ['uuid', { kind: 'uuid' }],
    ['integer[]', { kind: 'array' }],
    ['interval', { kind: 'other' }],
    ['money', { kind: 'money' }],
  ])('reads %s', (typeName, expected) => {
    expect(sourceColumnType(pg(typeName))).toEqual(expected);
  });

  it('reads a domain over text through its category', () => {
    expect(sourceColumnType(pg('email_address', 'S'))).toEqual({ kind: 'text', length: undefined });
  });
});

describe('Function: checkColumnContract', () => {
  describe('holds', () => {
    it.each([
      ['character varying(255)', text(255)],
      ['character varying(255)', text(16_777_216)],
      ['text', text(16_777_216)],
      ['text', text(undefined)],
      ['uuid', text(36)],
      ['integer', number(38, 0)],
      ['bigint', number(19, 0)],
      ['smallint', sf('INTEGER', { precision: 38, scale: 0 })],
      ['numeric(38,18)', number(38, 18)],
      ['numeric(10,2)', number(12, 4)],
      ['numeric', number(38, 10)],
      ['numeric', text(100)],
      ['double precision', sf('FLOAT')],
      ['boolean', sf('BOOLEAN')],
      ['date', sf('DATE')],
      ['time without time zone', sf('TIME')],
      ['timestamp with time zone', sf('TIMESTAMP_TZ')],
      ['timestamp with time zone', sf('TIMESTAMP_LTZ')],
      ['timestamp without time zone', sf('TIMESTAMP_NTZ')],
      ['timestamp without time zone', sf('TIMESTAMP')],
      ['jsonb', sf('VARIANT')],
      ['jsonb', sf('OBJECT')],
      ['json', sf('ARRAY')],
      ['bytea', sf('BINARY', { length: 8_388_608 })],
      ['text[]', sf('ARRAY')],
      ['interval', text(16_777_216)],
      ['money', number(38, 2)],
    ])('%s → %o', (typeName, mirror) => {
      expect(checkColumnContract(pg(typeName), mirror)).toBeUndefined();
    });
  });

  describe('breaks', () => {
    it.each([
      ['character varying(255)', text(100), 'text_narrowed'],
      ['text', text(4000), 'text_narrowed'],
      ['character(10)', text(5), 'text_narrowed'],
      ['uuid', text(32), 'text_narrowed'],
      ['numeric(38,18)', number(38, 10), 'number_narrowed'],
      ['numeric(38,18)', number(30, 18), 'number_narrowed'],
      ['numeric(10,2)', number(10, 4), 'number_narrowed'],
      ['numeric', number(20, 2), 'number_narrowed'],
      ['bigint', number(18, 0), 'number_narrowed'],
      ['integer', number(38, 30), 'number_narrowed'],
      ['numeric(10,2)', sf('FLOAT'), 'number_narrowed'],
      ['bigint', sf('FLOAT'), 'integer_to_float'],
      ['integer', sf('DOUBLE'), 'integer_to_float'],
      ['timestamp with time zone', sf('TIMESTAMP_NTZ'), 'zone_lost'],
      ['timestamp with time zone', sf('TIMESTAMP'), 'zone_lost'],
      ['jsonb', text(16_777_216), 'json_not_variant'],
      ['json', sf('BINARY'), 'json_not_variant'],
      ['integer', text(100), 'incompatible_type'],
      ['boolean', number(1, 0), 'incompatible_type'],
      ['bytea', text(100), 'incompatible_type'],
      ['timestamp without time zone', sf('TIMESTAMP_TZ'), 'incompatible_type'],
      ['date', sf('TIMESTAMP_NTZ'), 'incompatible_type'],
      ['double precision', number(38, 10), 'incompatible_type'],
      ['integer[]', text(100), 'incompatible_type'],
      ['uuid', sf('GEOGRAPHY'), 'incompatible_type'],
    ])('%s → %o is %s, corrupting', (typeName, mirror, kind) => {
      const breach = checkColumnContract(pg(typeName), mirror);
      expect(breach).toMatchObject({ kind, corrupting: true });
      expect(breach?.detail).toContain(typeName);
    });

    it('says what it lands in', () => {
      expect(checkColumnContract(pg('character varying(255)'), text(100))?.detail).toBe(
        'character varying(255) lands in VARCHAR(100): values up to 255 characters may be cut',
      );
      expect(checkColumnContract(pg('numeric(38,18)'), number(38, 10))?.detail).toBe(
        'numeric(38,18) lands in NUMBER(38,10): 18 fractional digits do not fit in 10',
      );
    });
  });
});
