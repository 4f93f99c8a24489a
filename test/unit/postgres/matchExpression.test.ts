import { describe, expect, it } from 'vitest';
import { acceptsValue } from '../../../shared/postgres/acceptsValue';
import { matchExpression } from '../../../shared/postgres/matchExpression';
import type { PgColumn } from '../../../shared/postgres/readPgCatalog';

const column = (
  name: string,
  typeOid: number,
  category: string,
  element?: PgColumn['element'],
): PgColumn => ({
  name,
  ordinal: 1,
  typeOid,
  typeName: 'x',
  castType: 'x',
  category,
  notNull: false,
  ...(element ? { element } : {}),
});

const TEXT = column('email', 25, 'S');
const INET = column('ip', 869, 'I');
const CIDR = column('net', 650, 'I');
const TEXT_ARRAY = column('tags', 1009, 'A', { typeOid: 25, category: 'S' });
const INT8_ARRAY = column('ids', 1016, 'A', { typeOid: 20, category: 'N' });
const TSTZ_ARRAY = column('seen', 1185, 'A', { typeOid: 1184, category: 'D' });
const JSON_COLUMN = column('doc', 114, 'U');

describe('Function: matchExpression', () => {
  it('compares text under a nondeterministic collation byte for byte ("C"), which no index of the column serves', () => {
    const loose = { ...TEXT, nondeterministicCollation: 16_384 };
    expect(matchExpression(loose, 'none')).toEqual({
      kind: 'as-text',
      condition: '"email"::text COLLATE "C" = ANY($1)',
    });
    expect(matchExpression(loose, 'lowercase').condition).toMatch(
      /^lower\(normalize\(btrim\("email", .*\), NFC\)\) COLLATE "C" = ANY\(\$1\)$/,
    );
    expect(matchExpression({ ...TEXT_ARRAY, nondeterministicCollation: 16_384 }, 'none').condition).toBe(
      'EXISTS (SELECT FROM unnest("tags") AS m(v) WHERE m.v::text COLLATE "C" = ANY($1))',
    );
  });

  it('compares text, integers and network addresses in their own type', () => {
    expect(matchExpression(TEXT, 'none')).toEqual({
      kind: 'typed',
      condition: '"email" = ANY($1)',
      indexExpression: '"email"',
      indexMethod: 'btree',
    });
    expect(matchExpression(INET, 'none').condition).toBe('"ip" = ANY($1)');
    expect(matchExpression(CIDR, 'none').kind).toBe('typed');
  });

  it('applies the normalisation to the column with the same trim set, NFC and case as the request', () => {
    const lower = matchExpression(TEXT, 'lowercase');
    expect(lower.kind).toBe('normalized');
    expect(lower.condition).toMatch(
      /^lower\(normalize\(btrim\("email", E' ?(\\u[0-9a-f]{4}| )+'\), NFC\)\) = ANY\(\$1\)$/,
    );
    expect(lower.indexExpression).toBe(lower.condition.replace(' = ANY($1)', ''));
    expect(matchExpression(TEXT, 'digits').condition).toBe(
      `regexp_replace("email", '[^0-9]', '', 'g') = ANY($1)`,
    );
  });

  it('matches arrays by element: overlap for typed elements, unnest otherwise', () => {
    expect(matchExpression(TEXT_ARRAY, 'none')).toMatchObject({
      kind: 'array-overlap',
      condition: '"tags" && $1',
      indexMethod: 'gin',
    });
    expect(matchExpression(INT8_ARRAY, 'none').condition).toBe('"ids" && $1');
    expect(matchExpression(TSTZ_ARRAY, 'none')).toEqual({
      kind: 'array-elements',
      condition: 'EXISTS (SELECT FROM unnest("seen") AS m(v) WHERE m.v::text = ANY($1))',
    });
    const normalized = matchExpression(TEXT_ARRAY, 'lowercase');
    expect(normalized.kind).toBe('array-elements');
    expect(normalized.condition).toMatch(
      /^EXISTS \(SELECT FROM unnest\("tags"\) AS m\(v\) WHERE lower\(normalize\(btrim\(m\.v, /,
    );
    expect(normalized.indexExpression).toBeUndefined();
  });

  it('compares other types through their text form, with no index to offer', () => {
    expect(matchExpression(JSON_COLUMN, 'none')).toEqual({
      kind: 'as-text',
      condition: '"doc"::text = ANY($1)',
    });
  });

  it('names only the bound parameter, never a value', () => {
    expect(matchExpression(TEXT, 'lowercase', '$7').condition).toMatch(/= ANY\(\$7\)$/);
  });
});

describe('Function: acceptsValue', () => {
  it('accepts only bare IPv4 and IPv6 addresses for inet and cidr columns', () => {
    for (const ok of ['203.0.113.7', '2001:db8::1', '::ffff:203.0.113.7', '2001:DB8:0:0:0:0:0:1'])
      expect([ok, acceptsValue(INET, ok) && acceptsValue(CIDR, ok)]).toEqual([ok, true]);
    for (const bad of ['203.0.113', '203.0.113.7/24', 'fe80::1%eth0', 'ana@example.com', ''])
      expect([bad, acceptsValue(INET, bad)]).toEqual([bad, false]);
  });

  it('checks array values against the element type', () => {
    expect(acceptsValue(INT8_ARRAY, '42')).toBe(true);
    expect(acceptsValue(INT8_ARRAY, 'abc')).toBe(false);
    expect(acceptsValue(TEXT_ARRAY, 'abc')).toBe(true);
    expect(acceptsValue(TEXT_ARRAY, 'a\u0000b')).toBe(false);
  });
});
