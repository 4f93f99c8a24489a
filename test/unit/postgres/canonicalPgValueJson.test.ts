import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { canonicalizePgValue } from '../../../shared/postgres/canonicalizePgValue';
import { canonicalPgValueJson } from '../../../shared/postgres/canonicalPgValueJson';
import type { PgTypeInfo } from '../../../shared/postgres/PgTypeInfo';

const type = (kind: PgTypeInfo['kind'], element?: PgTypeInfo): PgTypeInfo => ({ oid: 0, kind, element });

/** Texts as PostgreSQL prints them (DateStyle=ISO, bytea_output=hex, extra_float_digits=1), by kind. */
const CASES: [PgTypeInfo, (string | null)[]][] = [
  [type('int'), ['0', '-2147483648', '32767', null]],
  [type('int8'), ['9223372036854775807', '-1']],
  [type('exact'), ['12345678901234567890.123456789012345678', 'NaN', '-Infinity', '0.00']],
  [type('float'), ['4.25', '-0', '1e+100', '1.5e-07', 'NaN', 'Infinity', '-Infinity', '0.1']],
  [type('bool'), ['t', 'f']],
  [
    type('timestamptz'),
    ['2021-03-04 05:06:07.123456+05:30', '2020-01-01 00:00:01+00', 'infinity', '0044-03-15 12:00:00+00 BC'],
  ],
  [type('timestamp'), ['2024-12-31 23:59:59.999999', '0099-01-01 00:00:00', '-infinity']],
  [type('date'), ['2024-02-29', '0044-03-15 BC', 'infinity']],
  [type('uuid'), ['A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11']],
  [type('bytea'), ['\\x89504e47', '\\x']],
  [
    type('json'),
    [
      '{"n": 1, "sku": "SKU-7919", "path": "/p/1"}',
      '{"b": 1, "a": 2, "b": 3}',
      '[1e2, -0, "\\u0000", {"é": "\\"q\\""}]',
      '"text"',
    ],
  ],
  [type('array', type('int')), ['{{1,NULL},{3,4}}', '{}']],
  [type('array', type('timestamptz')), ['{"2024-01-01 00:00:00+02",NULL}']],
  [type('array', type('json')), ['{"{\\"b\\": 1, \\"a\\": 2}"}']],
  [type('text'), ['plain', 'quote " backslash \\ tab \t line\nfeed', '\u0001\u001f\u007f\u2028', '🦊 é', '']],
];

describe('Function: canonicalPgValueJson', () => {
  it.each(CASES)('writes the canonical JSON of canonicalizePgValue for %o', (pgType, texts) => {
    for (const text of texts)
      expect(canonicalPgValueJson(text, pgType)).toBe(canonicalJson(canonicalizePgValue(text, pgType)));
  });

  it('refuses a value without a canonical form as canonicalizePgValue does', () => {
    for (const text of ['"\\ud800"', '{"a": [1, 2}', '1e999999']) {
      expect(() => canonicalPgValueJson(text, type('json'))).toThrow(
        expect.objectContaining({
          reason: (() => {
            try {
              canonicalizePgValue(text, type('json'));
              return 'accepted';
            } catch (error) {
              return (error as { reason: string }).reason;
            }
          })(),
        }),
      );
    }
  });
});
