import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { runDsr } from '../../support/cliProgram';
import { discoverWith, openDatabase, TEST_HASH_KEY } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

/**
 * Values carried from a column of one type to a column of another, as PostgreSQL compares them:
 * - a `numeric` key (`5.0`) followed into an `integer` column (`5`);
 * - an identity learned from a plain `text` column and searched in a column of a domain whose CHECK
 *   the value does not pass: it matches nothing there, and the search goes on;
 * - a column of a domain over `money`, read as exact digits like `money` itself.
 */
const SCHEMA = `
  CREATE TABLE member (id numeric PRIMARY KEY, email text);
  CREATE TABLE visit (id int PRIMARY KEY, member_id int, page text);
  INSERT INTO member VALUES (5.0, 'ana@x.test'), (6, 'ben@x.test');
  INSERT INTO visit VALUES (1, 5, 'ana home'), (2, 6, 'ben home');
  CREATE DOMAIN uid_d AS text CHECK (VALUE ~ '^U[0-9]+$');
  CREATE DOMAIN price AS money;
  CREATE TABLE account (id int PRIMARY KEY, email text, uid uid_d UNIQUE NOT NULL, credit price);
  CREATE TABLE legacy (id int PRIMARY KEY, email text, uid text);
  SET lc_monetary = 'C';
  INSERT INTO account VALUES (1, 'ana@x.test', 'U1', '12.50');
  INSERT INTO legacy VALUES (1, 'ana@x.test', 'legacy-7');
  CREATE TABLE jotting (id int PRIMARY KEY, email text, doc json);
  INSERT INTO jotting VALUES (1, 'ana@x.test', '{"a": "\\ud800"}'), (2, 'ana@x.test', '{"a": 1}');
`;
const MEMBERS = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: public.member
    primaryKey: [id]
    identities: { email: email }
  - table: public.visit
    primaryKey: [id]
    follow: { member_id: public.member.id }
`;
const ACCOUNTS = `version: 1
identities:
  email: { normalize: lowercase }
  uid: {}
postgres:
  - table: public.account
    primaryKey: [id]
    identities: { email: email, uid: uid }
    learn: [email, uid]
  - table: public.legacy
    primaryKey: [id]
    identities: { email: email, uid: uid }
    learn: [email, uid]
`;

let pg: TestDatabase;
let db: PgDatabase;

beforeAll(async () => {
  pg = await createTestDatabase('values_across_types');
  await pg.exec(SCHEMA);
  db = openDatabase(pg.dsn);
});

afterAll(async () => {
  await db.end();
  await pg.drop();
});

describe('Discovery: values carried across types', () => {
  it('follows a numeric key written with a fraction into an integer column', async () => {
    const { document } = await discoverWith(db, MEMBERS, { email: ['ana@x.test'] });
    expect(document.findings.map((f) => `${f.table} ${JSON.stringify(f.key)}`)).toEqual([
      'public.member {"id":"5.0"}',
      'public.visit {"id":1}',
    ]);
  });

  it("searches a domain's column with a learned value its CHECK refuses, finding nothing there and going on", async () => {
    const { document } = await discoverWith(db, ACCOUNTS, { email: ['ana@x.test'] });
    expect(document.counts).toEqual({ postgres: { 'public.account': 1, 'public.legacy': 1 } });
    const account = document.findings.find((f) => f.table === 'public.account');
    expect(account?.row.credit).toBe('12.50');
  });

  it('dsr discover says on stderr how many matching rows could not be read, per table', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dsr-unreadable-'));
    try {
      const mapFile = join(dir, 'map.yaml');
      await writeFile(
        mapFile,
        `version: 1\nidentities:\n  email: { normalize: lowercase }\npostgres:\n  - table: public.jotting\n    primaryKey: [id]\n    identities: { email: email }\n`,
      );
      const run = await runDsr(
        ['discover', '--datamap', mapFile, '--subject', 'email=ana@x.test', '--out', join(dir, 'f.json')],
        {
          PG_DSN: pg.dsn,
          DSR_SUBJECT_HASH_KEY: TEST_HASH_KEY,
        },
      );
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('postgres public.jotting: 1 matching row(s) could not be read');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
