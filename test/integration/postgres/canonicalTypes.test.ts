import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CanonicalRow, JsonNumber } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { discoverWith, openDatabase } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

const MAP = `version: 1
identities: { email: { normalize: lowercase } }
postgres:
  - table: public.everything
    primaryKey: [id]
    identities: { email: email }
`;

/**
 * One row holding every type the canonical form names, and what it must become. Numbers inside
 * JSON documents that a double cannot hold are written as JsonNumber, exactly as expected.
 */
const EXPECTED_ROW: CanonicalRow = {
  arr_int: [1, null, 3],
  arr_text: ['a,b', 'q"uote', null],
  big: '9223372036854775807',
  bin: 'AAEC/w==',
  daterange: '[2024-01-01,2024-02-01)',
  dob: '1990-02-28',
  doc: { a: [{ x: 1 }, { y: [2, 3] }], n: new JsonNumber('123456789012345678901234567890'), s: 'ünï€ode 🦊' },
  email: 'Ana@Example.com',
  f4: 0.1,
  f8: 1.5e100,
  f8_inf: 'Infinity',
  f8_nan: 'NaN',
  flag: true,
  id: 1,
  ivl: 'P1Y2M3DT4H5M6.5S',
  legacy_json: { a: 2, b: new JsonNumber('1.50') }, // json is read with jsonb semantics: the last duplicate key wins
  money: '1234.56', // read as numeric: exact digits, whatever lc_monetary says
  n: '12345678901234567890.123456789012345678',
  small: -32768,
  tstz: '2021-03-03T23:36:07.123456Z',
  ts: '2024-12-31T23:59:59.999999',
  u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
};

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('types');
  await db.exec(`
    CREATE TABLE public.everything (
      id int4 PRIMARY KEY, email text, small int2, big int8, n numeric(38,18), money money,
      f4 float4, f8 float8, f8_nan float8, f8_inf float8, flag boolean, tstz timestamptz, ts timestamp,
      dob date, u uuid, bin bytea, doc jsonb, legacy_json json, arr_int int4[], arr_text text[],
      ivl interval, daterange daterange);
    SET lc_monetary = 'C';
    INSERT INTO public.everything VALUES (1, 'Ana@Example.com', -32768, 9223372036854775807,
      12345678901234567890.123456789012345678, 1234.56, 0.1, 1.5e100, 'NaN', 'Infinity', true,
      '2021-03-04 05:06:07.123456+05:30', '2024-12-31 23:59:59.999999', '1990-02-28',
      'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '\\x000102ff',
      '{"s": "ünï€ode 🦊", "n": 123456789012345678901234567890, "a": [{"x": 1}, {"y": [2, 3]}]}',
      '{"b": 1.50, "a": 1, "a": 2}', '{1,NULL,3}', '{"a,b","q\\"uote",NULL}',
      '1 year 2 months 3 days 4 hours 5 minutes 6.5 seconds', '[2024-01-01,2024-02-01)');
  `);
});

afterAll(async () => {
  await db.drop();
});

const EDGES_MAP = `version: 1
identities: { case_id: {} }
postgres:
  - table: public.edges
    primaryKey: [id]
    identities: { case_id: id }
`;

describe('Canonical form of PostgreSQL values', () => {
  it('turns every type into its canonical form', async () => {
    const pg = openDatabase(db.dsn);
    try {
      const { document } = await discoverWith(pg, MAP, { email: ['ana@example.com'] });
      expect(document.findings).toHaveLength(1);
      const row = document.findings[0]?.row;
      // Compared as canonical JSON, so exact-digit numbers are compared by their text.
      expect(canonicalJson(row ?? null)).toBe(canonicalJson(EXPECTED_ROW));
    } finally {
      await pg.end();
    }
  });

  it("gives the same bytes whatever the database's time zone: every session is UTC", async () => {
    const outputs = new Set<string>();
    for (const zone of ['UTC', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Chatham']) {
      await db.exec(`ALTER DATABASE ${db.name} SET timezone = '${zone}'`);
      const pg = openDatabase(db.dsn);
      try {
        const { rows } = await pg.query<{ tz: string; database: string }>(
          `SELECT current_setting('TimeZone') AS tz, (SELECT s FROM pg_db_role_setting, unnest(setconfig) s WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND s LIKE 'TimeZone=%' LIMIT 1) AS database`,
        );
        expect(rows[0]).toEqual({ tz: 'UTC', database: `TimeZone=${zone}` });
        outputs.add((await discoverWith(pg, MAP, { email: ['ana@example.com'] })).json);
      } finally {
        await pg.end();
      }
    }
    expect(outputs.size).toBe(1);
  });

  it('writes money as exact digits and BC dates like BC timestamps, in every locale setting', async () => {
    await db.exec(`
      CREATE TABLE public.edges (id int PRIMARY KEY, m money, ms money[], d date, tstz timestamptz, ts timestamp);
      INSERT INTO public.edges VALUES
        (1, '-92233720368547758.08', '{1.5,-2}', '0044-03-15 BC', '0044-03-15 12:00:00.5+00 BC', '0001-01-01 00:00:00 BC'),
        (2, '0', NULL, '0001-12-31 BC', '0001-01-01 00:00:00+00', '9999-12-31 23:59:59.999999'),
        (3, '92233720368547758.07', NULL, '10000-01-01', 'infinity', '-infinity'),
        (4, NULL, NULL, '2024-02-29', NULL, '0001-01-01 00:00:00');
    `);
    const expected = [
      {
        d: '-000043-03-15',
        id: 1,
        m: '-92233720368547758.08',
        ms: ['1.50', '-2.00'],
        ts: '0000-01-01T00:00:00.000000',
        tstz: '-000043-03-15T12:00:00.500000Z',
      },
      {
        d: '0000-12-31',
        id: 2,
        m: '0.00',
        ms: null,
        ts: '9999-12-31T23:59:59.999999',
        tstz: '0001-01-01T00:00:00.000000Z',
      },
      { d: '+010000-01-01', id: 3, m: '92233720368547758.07', ms: null, ts: '-infinity', tstz: 'infinity' },
      { d: '2024-02-29', id: 4, m: null, ms: null, ts: '0001-01-01T00:00:00.000000', tstz: null },
    ];
    const outputs = new Set<string>();
    for (const monetary of ['C', 'C.utf8', 'POSIX']) {
      await db.exec(`ALTER DATABASE ${db.name} SET lc_monetary = '${monetary}'`);
      const pg = openDatabase(db.dsn);
      try {
        const { document, json } = await discoverWith(pg, EDGES_MAP, { case_id: ['1', '2', '3', '4'] });
        expect(document.findings.map((f) => f.row)).toEqual(expected);
        outputs.add(json);
      } finally {
        await pg.end();
      }
    }
    expect(outputs.size).toBe(1);
  });
});
