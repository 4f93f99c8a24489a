import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalValue } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { sha256Hex } from '../../../shared/canonical/sha256';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { discoverSubjectStream } from '../../../shared/discovery/discoverSubject';
import { writtenJson } from '../../../shared/discovery/rowJsonOf';
import { serializeFindingsSource } from '../../../shared/discovery/serializeFindingsSource';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { discoverWith, openDatabase, TEST_HASH_KEY } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

// A table of every kind of value (NULLs, unreadable documents, `json` that jsonb rewrites), one
// that follows it, and a keyless one with identical copies.
const MAP = `version: 1
identities: { email: { normalize: lowercase } }
postgres:
  - table: public.everything
    primaryKey: [id]
    identities: { email: email }
  - table: public.notes
    primaryKey: [owner, seq]
    follow: { owner: public.everything.id }
  - table: public.log
    identities: { email: email }
`;

let db: TestDatabase;
let pg: PgDatabase;

beforeAll(async () => {
  db = await createTestDatabase('streamedtext');
  await db.exec(`
    CREATE TYPE mood AS ENUM ('ok', 'sad');
    CREATE DOMAIN positive AS int4 CHECK (VALUE > 0);
    CREATE TABLE public.everything (
      id int4 PRIMARY KEY, email text, small int2, big int8, n numeric, money money, f4 float4,
      f8 float8, flag boolean, tstz timestamptz, ts timestamp, dob date, u uuid, bin bytea, doc jsonb,
      legacy_json json, arr_int int4[], arr_tstz timestamptz[], arr_json jsonb[], ivl interval,
      feeling mood, pos positive, "Weird ""name""" text, "10" int4);
    SET lc_monetary = 'C';
    INSERT INTO public.everything VALUES
      (1, 'ana@example.com', -32768, 9223372036854775807, 12345678901234567890.123456789012345678,
       1234.56, 0.1, 1.5e100, true, '2021-03-04 05:06:07.123456+05:30', '2024-12-31 23:59:59.999999',
       '1990-02-28', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '\\x000102ff',
       '{"sku": "SKU-1", "n": 1.50, "path": "/p/1", "s": "tab\\t \\"q\\" é 🦊", "z": [null, true, {"b": 1, "a": -0.5}]}',
       '{"b": 1e2, "a": -0, "a": 2, "\\u00e9": "\\u0000"}', '{1,NULL,3}',
       '{"2024-01-01 00:00:00+02",NULL}', ARRAY['{"b": 1, "a": 2}'::jsonb], '1 day 2 hours',
       'sad', 7, 'line
feed', 10),
      (2, 'ana@example.com', NULL, NULL, 'NaN', NULL, 'NaN', '-Infinity', false,
       '0044-03-15 12:00:00+00 BC', 'infinity', '0044-03-15 BC', NULL, '\\x', '[]', '"\\ud800"',
       '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (3, 'ana@example.com', 1, -1, -0.000, 0, -0, 1e-7, NULL, '1900-01-01 00:00:00+00:53:28',
       '0099-01-01 00:00:00', '2024-02-29', NULL, NULL, 'null', '{"x": [1E+2, 0.1e1]}', NULL,
       NULL, NULL, NULL, 'ok', 1, '', NULL);
    CREATE TABLE public.notes (owner int4, seq int4, body text, at timestamptz, PRIMARY KEY (owner, seq));
    INSERT INTO public.notes SELECT 1 + i % 3, i, 'note ' || i, '2020-01-01 00:00:00+00'::timestamptz + i * interval '1.5 second'
      FROM generate_series(1, 40) AS i;
    CREATE TABLE public.log (email text, kind text, props jsonb, at timestamptz);
    INSERT INTO public.log SELECT 'ana@example.com', 'k' || i % 3, jsonb_build_object('n', i % 5, 'sku', 'S'), '2020-01-01 00:00:00+00'
      FROM generate_series(1, 30) AS i;
  `);
  pg = openDatabase(db.dsn, { poolMax: 2 });
});

afterAll(async () => {
  await pg?.end();
  await db?.drop();
});

/** The streamed discovery's document, as one string. */
async function streamed(timeZone: string): Promise<string> {
  await db.exec(`ALTER DATABASE ${db.name} SET timezone = '${timeZone}'`);
  const local = openDatabase(db.dsn, { poolMax: 2 });
  try {
    const dataMap = parseDataMap(MAP, 'test.yaml');
    // Small pages: rows of one search arrive over several pages.
    const postgres = await PostgresTableSearcher.create(local, dataMap, 'test.yaml', { pageSize: 7 });
    const { findings } = await discoverSubjectStream(
      { dataMap, searchers: { postgres }, subjectHashKey: TEST_HASH_KEY, spill: { runBytes: 4096 } },
      { requestId: 'req-1', identifiers: { email: ['ana@example.com'] } },
    );
    try {
      const chunks: string[] = [];
      for await (const chunk of serializeFindingsSource(findings)) chunks.push(chunk);
      return chunks.join('');
    } finally {
      await findings.dispose();
    }
  } finally {
    await local.end();
  }
}

describe('Streamed discovery: rows written as canonical JSON from PostgreSQL text', () => {
  it('writes the bytes of the in-memory discovery, unreadable rows and keyless copies included', async () => {
    // Act
    const { document, json } = await discoverWith(pg, MAP, { email: ['ana@example.com'] }, { pageSize: 7 });

    // Assess: the reference found what the table holds (row 2's json is unreadable, so its notes are not followed) …
    expect(document.counts).toEqual({
      postgres: { 'public.everything': 2, 'public.log': 30, 'public.notes': 26 },
    });
    expect(document.unreadable).toEqual([
      expect.objectContaining({ table: 'public.everything', key: { id: 2 }, column: 'legacy_json' }),
    ]);
    // … hashed every readable row from the JSON its searcher wrote from the text, the bytes of the
    // row it holds, so the evidence hash is that of the findings' canonical JSON …
    for (const f of document.findings) {
      expect(writtenJson(f.row)).toBe(canonicalJson(f.row));
      if (f.table !== 'public.log') expect(writtenJson(f.key)).toBe(canonicalJson(f.key));
    }
    expect(document.evidenceHash).toBe(
      sha256Hex(canonicalJson(document.findings as unknown as CanonicalValue)),
    );
    // … and the streamed discovery writes it byte for byte, in any session time zone.
    for (const zone of ['UTC', 'Asia/Kathmandu', 'America/St_Johns']) expect(await streamed(zone)).toBe(json);
  });
});
