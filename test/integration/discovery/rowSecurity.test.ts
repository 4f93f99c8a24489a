import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { RowSecurityError } from '../../../shared/postgres/errors';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { runDsr } from '../../support/cliProgram';
import { openDatabase, TEST_HASH_KEY } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

// A role of this file's own (roles belong to the server), dropped at the end.
const READER = `rs_reader_${randomBytes(4).toString('hex')}`;

/**
 * A reading role whose policy shows it only the `eu` rows of `notes`: one of Ana's two notes is
 * hidden from it. `contacts` has no row security.
 */
const SCHEMA = `
  CREATE TABLE contacts (id int PRIMARY KEY, email text);
  CREATE TABLE notes (id int PRIMARY KEY, email text, region text);
  INSERT INTO contacts VALUES (1, 'ana@x.test');
  INSERT INTO notes VALUES (1, 'ana@x.test', 'eu'), (2, 'ana@x.test', 'us');
  ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
  CREATE POLICY eu_only ON notes FOR SELECT TO ${READER} USING (region = 'eu');
  GRANT SELECT ON contacts, notes TO ${READER};
`;
const MAP = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: public.contacts
    primaryKey: [id]
    identities: { email: email }
  - table: public.notes
    primaryKey: [id]
    identities: { email: email }
`;

let pg: TestDatabase;
let readerDsn: string;

beforeAll(async () => {
  pg = await createTestDatabase('row_security');
  await pg.exec(`CREATE ROLE ${READER} LOGIN PASSWORD 'reader'`);
  await pg.exec(SCHEMA);
  const url = new URL(pg.dsn);
  url.username = READER;
  url.password = 'reader';
  readerDsn = url.toString();
});

afterAll(async () => {
  // The role's policy and grants go with the tables, then the role (it belongs to the server).
  await pg.exec(`DROP TABLE notes, contacts; DROP ROLE ${READER}`);
  await pg.drop();
});

describe('Discovery through a reading role that row security filters for', () => {
  it('names the tables whose rows its policies may hide, and none for a role that sees every row', async () => {
    const map = parseDataMap(MAP, 'test.yaml');
    const reader = openDatabase(readerDsn);
    const owner = openDatabase(pg.dsn);
    try {
      const asReader = await PostgresTableSearcher.create(reader, map, 'test.yaml');
      expect(await asReader.tablesUnderRowSecurity()).toEqual(['public.notes']);
      await expect(asReader.refuseRowSecurity()).rejects.toBeInstanceOf(RowSecurityError);
      const asOwner = await PostgresTableSearcher.create(owner, map, 'test.yaml');
      expect(await asOwner.tablesUnderRowSecurity()).toEqual([]);
    } finally {
      await reader.end();
      await owner.end();
    }
  });

  it('dsr discover refuses to answer with the rows a policy shows, naming the table and the fix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dsr-row-security-'));
    const mapFile = join(dir, 'map.yaml');
    await writeFile(mapFile, MAP);
    const run = await runDsr(
      ['discover', '--datamap', mapFile, '--subject', 'email=ana@x.test', '--out', '-'],
      { PG_DSN: readerDsn, DSR_SUBJECT_HASH_KEY: TEST_HASH_KEY },
    ).finally(() => rm(dir, { recursive: true, force: true }));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('row security is active for the reading role on public.notes');
    expect(run.stderr).toContain('give the reading role BYPASSRLS');
  });
});
