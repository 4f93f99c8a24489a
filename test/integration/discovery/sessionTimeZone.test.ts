import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { discoverWith, openDatabase } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

/**
 * Values that hold a `timestamptz` as text printed by the session: a range, a multirange and a
 * composite value. The database's time zone must not change the findings or their hash.
 */
const SCHEMA = `
  CREATE TYPE stamp AS (label text, at timestamptz);
  CREATE TABLE visit (id int PRIMARY KEY, email text, span tstzrange, spans tstzmultirange, mark stamp);
  INSERT INTO visit VALUES (1, 'ana@x.test', '[2020-01-01 00:00:00+00,2020-01-02 00:00:00+00)',
    '{[2020-01-01 00:00:00+00,2020-01-02 00:00:00+00)}', ROW('first', '2020-01-01 00:00:00+00'));
`;
const MAP = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: public.visit
    primaryKey: [id]
    identities: { email: email }
`;

let pg: TestDatabase;

beforeAll(async () => {
  pg = await createTestDatabase('session_time_zone');
  await pg.exec(SCHEMA);
});

afterAll(async () => {
  await pg.drop();
});

/** The findings' JSON with the database's time zone set to `zone`, through a fresh pool. */
async function findingsIn(zone: string): Promise<string> {
  await pg.exec(`ALTER DATABASE ${pg.name} SET timezone = '${zone}'`);
  const db: PgDatabase = openDatabase(pg.dsn);
  try {
    return (await discoverWith(db, MAP, { email: ['ana@x.test'] })).json;
  } finally {
    await db.end();
  }
}

describe('Discovery in any database time zone', () => {
  it('writes ranges, multiranges and composites holding timestamptz in UTC, the same bytes in every zone', async () => {
    const utc = await findingsIn('UTC');
    expect(utc).toContain('2020-01-01 00:00:00+00');
    for (const zone of ['Asia/Kolkata', 'America/St_Johns']) expect(await findingsIn(zone)).toBe(utc);
  });
});
