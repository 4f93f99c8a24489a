import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { type EraseSubjectDeps, eraseSubject } from '../../shared/erasure/eraseSubject';
import type { PgDatabase } from '../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import { openDatabase, TEST_HASH_KEY } from './discovery';
import { createTestDatabase, type TestDatabase } from './postgres';

/** A test file's own database and pool, its schema made again before each test. */
export interface ErasureScratch {
  readonly test: TestDatabase;
  readonly db: PgDatabase;
}

/**
 * Registers the hooks of an erasure test file: its own database (`createTestDatabase(name)`) and a
 * pool, `schema` run before each test, and both dropped at the end. `freshPool` opens a new pool
 * after the schema is made again: the searcher's prepared statements are bound to the tables they
 * were planned on.
 */
export function useErasureDatabase(
  name: string,
  schema: string,
  options: { readonly freshPool?: boolean } = {},
): ErasureScratch {
  let test: TestDatabase | undefined;
  let db: PgDatabase | undefined;
  beforeAll(async () => {
    test = await createTestDatabase(name);
    db = openDatabase(test.dsn);
  });
  afterAll(async () => {
    await db?.end();
    await test?.drop();
  });
  beforeEach(async () => {
    if (!test) throw new Error('the test database was not created');
    if (options.freshPool) await db?.end();
    await test.exec(schema);
    if (options.freshPool) db = openDatabase(test.dsn);
  });
  return {
    get test() {
      if (!test) throw new Error('the test database was not created');
      return test;
    },
    get db() {
      if (!db) throw new Error('the test pool was not opened');
      return db;
    },
  };
}

/** Repeatable "random" bytes for masks. */
export function deterministicBytes(size: number): Buffer {
  const block = createHash('sha256').update(`seed-${size}`).digest();
  return Buffer.concat([block, block, block]).subarray(0, size);
}

/**
 * Every row of each table that `others` names, restricted to its condition (the rows of people
 * other than the subject), as `SELECT * … ORDER BY` text: compared before and after an erasure, it
 * shows byte for byte that no other person's row changed.
 */
export async function snapshotOthers(
  pg: TestDatabase,
  others: Readonly<Record<string, string>>,
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [table, where] of Object.entries(others)) {
    const r = await pg.exec(`SELECT t::text AS row FROM ${table} t WHERE ${where} ORDER BY t::text`);
    out[table] = r.rows.map((x) => x.row as string);
  }
  return out;
}

/** Counts rows holding any of `values` anywhere in their text, per table: the subject findable. */
export async function countValues(
  pg: TestDatabase,
  tables: readonly string[],
  values: readonly string[],
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of tables) {
    const r = await pg.exec(
      `SELECT count(*)::int AS n FROM ${table} t WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) v WHERE position(lower(v) IN lower(t::text)) > 0)`,
      [values],
    );
    out[table] = r.rows[0].n as number;
  }
  return out;
}

/** `eraseSubject` on PostgreSQL only, with test keys. */
export async function erasePg(
  db: PgDatabase,
  mapYaml: string,
  identifiers: Record<string, string[]>,
  options: { dryRun?: boolean; writeDb?: PgDatabase; extra?: Partial<EraseSubjectDeps> } = {},
) {
  const map = parseDataMap(mapYaml, 'test.yaml');
  const postgres = await PostgresTableSearcher.create(db, map, 'test.yaml');
  return eraseSubject(
    {
      dataMap: map,
      db,
      // A dry run rehearses only when given the erasure role's connection.
      ...(options.dryRun
        ? options.writeDb
          ? { writeDb: options.writeDb }
          : {}
        : { writeDb: options.writeDb ?? db }),
      searchers: { postgres },
      subjectHashKey: TEST_HASH_KEY,
      maskKey: 'test-mask-key',
      randomBytes: deterministicBytes,
      ...options.extra,
    },
    { requestId: 'req-erase', identifiers, dryRun: options.dryRun === true },
  );
}

/** A map erasing a user in PostgreSQL and, through the learned user id, their web sessions in Snowflake. */
export const CROSS_SYSTEM_ERASURE_MAP = `version: 1
identities:
  email: { normalize: lowercase }
  user_id: {}
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email, user_id: id }
    learn: [user_id]
    erasure: delete
snowflake:
  - table: ANALYTICS.PUBLIC.WEB_SESSIONS
    primaryKey: [SESSION_ID]
    follow: { USER_ID: public.users.id }
    erasure: delete
`;
