import { createHash } from 'node:crypto';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { type EraseSubjectDeps, eraseSubject } from '../../shared/erasure/eraseSubject';
import type { PgDatabase } from '../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import { TEST_HASH_KEY } from './discovery';
import type { TestDatabase } from './postgres';

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
