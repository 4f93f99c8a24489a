import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { checkPostgresCatalog } from '../../../shared/postgres/checkPostgresCatalog';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { readPgCatalog } from '../../../shared/postgres/readPgCatalog';
import { discoverWith, openDatabase } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

/**
 * Unique indexes that do not make a key, each over rows that share the would-be key, all of one
 * person: findings keyed by it merged two rows into one, or a search's pages skipped rows.
 * - `ev`: an index left invalid by a failed `CREATE UNIQUE INDEX CONCURRENTLY` (two rows with k = 1);
 * - `acct`: a case-insensitive (nondeterministic) column with a unique index under "C": 'Ana',
 *   'ana' and 'ANA' are three rows the index holds apart and the column's collation calls equal.
 * - `nn`: a NOT NULL constraint added NOT VALID (PostgreSQL 18) over a column two old rows hold NULL in.
 * With the key declared, these tables are refused; keyless, every row is found.
 */
const SCHEMA = `
  CREATE TABLE ev (k int NOT NULL, email text, payload text);
  INSERT INTO ev VALUES (1, 'ana@x.test', 'first'), (1, 'ana@x.test', 'second'), (2, 'ana@x.test', 'third');
  CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
  CREATE TABLE acct (handle text COLLATE ci NOT NULL, email text, note text);
  CREATE UNIQUE INDEX acct_handle ON acct (handle COLLATE "C");
  INSERT INTO acct VALUES ('Ana', 'ana@x.test', 'one'), ('ana', 'ana@x.test', 'two'), ('ANA', 'ana@x.test', 'three'),
    ('bob', 'ana@x.test', 'four');
  CREATE TABLE nn (k int, email text, note text);
  INSERT INTO nn VALUES (NULL, 'ana@x.test', 'n1'), (NULL, 'ana@x.test', 'n2'), (1, 'ana@x.test', 'one');
  CREATE UNIQUE INDEX nn_k ON nn (k);
  ALTER TABLE nn ADD CONSTRAINT nn_k_not_null NOT NULL k NOT VALID;
  CREATE TABLE fine (id int NOT NULL, email text);
  CREATE UNIQUE INDEX fine_id ON fine (id);
  INSERT INTO fine VALUES (1, 'ana@x.test');
`;
const mapOf = (table: string, key?: string) =>
  parseDataMap(
    `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: public.${table}
${key ? `    primaryKey: [${key}]\n` : ''}    identities: { email: email }
`,
    'test.yaml',
  );

let pg: TestDatabase;
let db: PgDatabase;

beforeAll(async () => {
  pg = await createTestDatabase('keys_not_holding');
  await pg.exec(SCHEMA);
  // A concurrent build that fails (two rows with k = 1) leaves its index behind, invalid.
  await pg.exec('CREATE UNIQUE INDEX CONCURRENTLY ev_k ON ev (k)').catch(() => undefined);
  const left = await pg.exec(
    "SELECT i.indisvalid::text AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'ev_k'",
  );
  expect(left.rows).toEqual([{ valid: 'false' }]);
  db = openDatabase(pg.dsn);
});

afterAll(async () => {
  await db.end();
  await pg.drop();
});

describe('Function: checkPostgresCatalog (unique indexes that do not make a key)', () => {
  it('refuses an invalid unique index, one whose collation differs from a nondeterministic column and one over a NOT NULL added NOT VALID, and accepts a valid one', async () => {
    const catalog = await readPgCatalog(db, ['public']);
    for (const [table, key] of [
      ['ev', 'k'],
      ['acct', 'handle'],
      ['nn', 'k'],
    ] as const)
      expect(checkPostgresCatalog(mapOf(table, key), catalog).map((p) => p.message)).toEqual([
        expect.stringContaining(
          `[${key}] is not the primary key of public.${table} nor a unique index over NOT NULL columns`,
        ),
      ]);
    expect(checkPostgresCatalog(mapOf('fine', 'id'), catalog)).toEqual([]);
  });

  it('finds every row of those tables mapped without a key, whatever the page size', async () => {
    for (const pageSize of [1, 2, 1000]) {
      const ev = await discoverWith(db, mapOf('ev'), { email: ['ana@x.test'] }, { pageSize });
      expect(ev.document.counts).toEqual({ postgres: { 'public.ev': 3 } });
      const acct = await discoverWith(db, mapOf('acct'), { email: ['ana@x.test'] }, { pageSize });
      expect(acct.document.counts).toEqual({ postgres: { 'public.acct': 4 } });
      const nn = await discoverWith(db, mapOf('nn'), { email: ['ana@x.test'] }, { pageSize });
      expect(nn.document.counts).toEqual({ postgres: { 'public.nn': 3 } });
    }
  });
});
