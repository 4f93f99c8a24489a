import { canonicalJson } from '../canonical/canonicalJson';
import type { DataMap } from '../datamap/dataMapSchema';
import type { System } from '../datamap/System';
import type { FindingsDocument } from '../discovery/FindingsDocument';
import type { TableSearcher } from '../discovery/SearchableTable';
import type { PgDatabase } from '../postgres/PgDatabase';
import type { ErasurePlan } from './ErasurePlan';
import { materializedViewsOver } from './materializedViewsOver';
import { partialKeyMatches } from './planErasure';
import type { ErasureCatalog } from './readErasureCatalog';
import { rediscover } from './rediscover';
import { scanTextColumns, type TextScanBounds } from './scanTextColumns';
import { searchTriggerTargets } from './searchTriggerTargets';
import { unboundOwnRows } from './unboundOwnRows';
import { type ErasureVerification, type Remaining, verifyErasure } from './verifyErasure';

/**
 * The proof after an erasure: discovery again from every identifier `known` before the erasure and
 * the followed values of the rows `findings` held (see `rediscover`, `verifyErasure`), then a search
 * for those identifiers in every table an acknowledged trigger writes to and every materialized view
 * the map does not name that reads a table it deletes or masks rows of (`searchTriggerTargets`,
 * `materializedViewsOver`):
 * a hit there ends `erasure_unverified` with the table named (`found_beyond_map`). With
 * `proofScanText`, also the bounded scan of every readable text column outside the map
 * (`scanTextColumns`): a hit names table and column, a table not finished in time `scan_incomplete`.
 */
export async function proveErasure(
  deps: {
    /** Read connection: when given, the tables acknowledged triggers write to are searched too. */
    readonly db?: Pick<PgDatabase, 'query'> | PgDatabase;
    readonly dataMap: DataMap;
    readonly searchers: Partial<Record<System, TableSearcher>>;
    readonly subjectHashKey: string | Buffer;
    readonly catalog: ErasureCatalog;
    /** Opt-in: also scan every readable text column outside the map, within these bounds (needs `db`). */
    readonly proofScanText?: TextScanBounds;
  },
  input: {
    readonly requestId: string;
    readonly plan: ErasurePlan;
    readonly findings: FindingsDocument;
    readonly known: Record<string, string[]>;
  },
): Promise<ErasureVerification> {
  // The proof searches again from the values of the rows found before, but not from the rows the
  // plan retained as other people's (the records of the people she manages): what those lead to is
  // theirs, and would be counted as the subject's rows left.
  const retained = new Set(
    input.plan.tables.flatMap((t) =>
      (t.shared?.retained ?? []).map((r) => `${t.system}\u0000${t.table}\u0000${canonicalJson(r.key)}`),
    ),
  );
  const seeds =
    retained.size === 0
      ? input.findings
      : {
          ...input.findings,
          findings: input.findings.findings.filter(
            (f) => !retained.has(`${f.system}\u0000${f.table}\u0000${canonicalJson(f.key)}`),
          ),
        };
  const verification = await verifyErasure(
    {
      dataMap: deps.dataMap,
      discover: (identifiers) =>
        rediscover(deps, { requestId: input.requestId, findings: seeds, identifiers }),
      notSubject: async (again) =>
        partialKeyMatches(
          again,
          deps.catalog,
          input.findings,
          deps.db
            ? await unboundOwnRows(deps.db, deps.dataMap, deps.catalog, again, input.findings)
            : undefined,
        ),
    },
    input.plan,
    input.known,
  );
  if (!deps.db) return verification;
  // Materialized views the data map does not name, over the tables it deletes or masks rows of:
  // copies of the subject's rows until their owner refreshes them. Every such table, not only
  // those the plan changed: a run after an earlier one finds nothing left to change.
  const erased = deps.dataMap.postgres
    .filter((t) => t.erasure?.action === 'delete' || t.erasure?.action === 'mask')
    .map((t) => t.table);
  const mapped = new Set(deps.dataMap.postgres.map((t) => t.table));
  const views = await materializedViewsOver(deps.db, erased);
  const copies = views.readable.filter((v) => !mapped.has(v));
  const beyond = await searchTriggerTargets(deps.db, deps.dataMap, input.plan, input.known, copies);
  const extra: Remaining[] = Object.entries(beyond)
    .filter(([table]) => !verification.remaining.some((r) => r.system === 'postgres' && r.table === table))
    .map(([table, rows]) => ({
      system: 'postgres' as const,
      table,
      rows,
      reason: 'found_beyond_map' as const,
    }));
  // One the reading role may not read cannot be searched: not proven erased.
  for (const view of views.unreadable.filter((v) => !mapped.has(v)))
    extra.push({ system: 'postgres', table: view, rows: 0, reason: 'scan_incomplete' });
  if (deps.proofScanText && 'withClient' in deps.db)
    for (const hit of await scanTextColumns(
      deps.db as PgDatabase,
      deps.dataMap,
      input.plan,
      input.known,
      deps.proofScanText,
    ))
      extra.push({
        system: 'postgres',
        table: hit.table,
        rows: hit.rows,
        ...(hit.column
          ? { reason: 'found_beyond_map' as const, column: hit.column }
          : { reason: 'scan_incomplete' as const }),
      });
  if (extra.length === 0) return verification;
  const remaining = [...verification.remaining, ...extra].sort((a, b) =>
    a.system < b.system
      ? -1
      : a.system > b.system
        ? 1
        : a.table < b.table
          ? -1
          : a.table > b.table
            ? 1
            : (a.column ?? '') < (b.column ?? '')
              ? -1
              : 1,
  );
  return { ...verification, outcome: 'erasure_unverified', remaining };
}
