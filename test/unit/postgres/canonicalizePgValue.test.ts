import fc from 'fast-check';
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

  it('gives the UTC instant of any text PostgreSQL prints, at any offset, years 1 to 9999', () => {
    const two = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(
        fc.integer({ min: -62135596800, max: 253402300799 - 86400 }), // 0001-01-01 … 9999-12-30, UTC seconds
        fc.integer({ min: 0, max: 999999 }),
        fc.constantFrom(0, 0, 3600, -3600, 19800, -34200, 3208, 45900, -50400, 86399 - 3600),
        fc.integer({ min: 0, max: 6 }),
        (seconds, micros, offset, digits) => {
          // Prepare: the instant as PostgreSQL prints it in a zone `offset` seconds east of UTC.
          const local = new Date((seconds + offset) * 1000).toISOString(); // …T…Z, no millis
          if (local.startsWith('-') || local.startsWith('+') || local.startsWith('0000')) return;
          const fraction = String(micros).padStart(6, '0').slice(0, digits).replace(/0+$/, '');
          const abs = Math.abs(offset);
          const zone = `${offset < 0 ? '-' : '+'}${two(Math.floor(abs / 3600))}${
            abs % 3600 === 0
              ? ''
              : `:${two(Math.floor((abs % 3600) / 60))}${abs % 60 === 0 ? '' : `:${two(abs % 60)}`}`
          }`;
          const text = `${local.slice(0, 10)} ${local.slice(11, 19)}${fraction ? `.${fraction}` : ''}${zone}`;
          const utc = new Date(seconds * 1000).toISOString();
          const expected = `${utc.slice(0, 19)}.${fraction.padEnd(6, '0')}Z`;

          // Act / Assess
          expect(canonicalTimestamptz(text)).toBe(expected);
          expect(canonicalTimestamp(text.slice(0, text.length - zone.length))).toBe(
            `${local.slice(0, 19)}.${fraction.padEnd(6, '0')}`,
          );
        },
      ),
      { numRuns: 3000 },
    );
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
