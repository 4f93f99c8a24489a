import type { DataMap } from '../datamap/dataMapSchema';
import { normalizeIdentifier } from '../identity/normalizeIdentifier';
import type { PgDatabase } from '../postgres/PgDatabase';
import { quoteQualifiedName } from '../postgres/qualifiedName';
import { acknowledgedTriggers } from './checkSideEffects';
import type { ErasurePlan } from './ErasurePlan';

/** Values shorter than this are matched whole only, never as a substring of a row's text. */
const MIN_SUBSTRING = 6;

/**
 * Rows holding one of the subject's identifier values in each table that an acknowledged trigger,
 * rule or policy of a planned table writes to (`triggers.writes` of the data map), and in each of
 * `copies` (materialized views over tables the map erases rows of, `materializedViewsOver`), that
 * the map does not retain: an audit copy made by an `AFTER DELETE` trigger, or a report
 * materialized before the erasure and not refreshed since, is found here though discovery never
 * maps it. A row counts when any scalar in it — a column, or any value nested in a json/jsonb
 * column (`jsonb_path_query(to_jsonb(row), 'strict $.**')`) — equals a value (case-insensitively), or
 * when a value of at least 6 characters occurs anywhere in the row's text (`row_to_json` copies kept
 * as text). Counts per `schema.table`, only tables with rows; never a value.
 */
export async function searchTriggerTargets(
  db: Pick<PgDatabase, 'query'>,
  dataMap: DataMap,
  plan: ErasurePlan,
  known: Record<string, string[]>,
  copies: readonly string[] = [],
): Promise<Record<string, number>> {
  const tables = new Set<string>(copies);
  for (const t of plan.tables)
    if (t.system === 'postgres' && (t.action === 'delete' || t.action === 'mask'))
      for (const w of acknowledgedTriggers(dataMap, t.table)?.writes ?? []) tables.add(w);
  const values = new Set<string>();
  for (const [kind, list] of Object.entries(known)) {
    const normalize = dataMap.identities[kind]?.normalize ?? 'none';
    for (const v of list) values.add(normalizeIdentifier(v, normalize).toLowerCase());
  }
  const exact = [...values].sort();
  const long = exact.filter((v) => [...v].length >= MIN_SUBSTRING);
  const hits: Record<string, number> = {};
  for (const table of [...tables].sort()) {
    if (dataMap.postgres.find((s) => s.table === table)?.erasure?.action === 'retain') continue;
    const result = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${quoteQualifiedName(table)} t
       WHERE EXISTS (SELECT 1 FROM jsonb_path_query(to_jsonb(t), 'strict $.**') AS v
                     WHERE jsonb_typeof(v) IN ('string', 'number') AND lower(v #>> '{}') = ANY($1::text[]))
          OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS s WHERE strpos(lower(t::text), s) > 0)`,
      [exact, long],
    );
    const n = Number(result.rows[0]?.n ?? 0);
    if (n > 0) hits[table] = n;
  }
  return hits;
}
