import type { DataMap } from '../datamap/dataMapSchema';
import type { System } from '../datamap/System';
import { discoverSubject } from '../discovery/discoverSubject';
import type { FindingsDocument } from '../discovery/FindingsDocument';
import type { TableSearcher } from '../discovery/SearchableTable';
import type { PgDatabase } from '../postgres/PgDatabase';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import { checkPlan } from './checkPlan';
import { decideSharedRows } from './decideSharedRows';
import type { ErasurePlan } from './ErasurePlan';
import type { ErasureProblem } from './ErasureProblem';
import { learnedIdentifiers } from './learnedIdentifiers';
import type { RandomBytes } from './maskValue';
import { planErasure } from './planErasure';
import { type ErasureCatalog, readErasureCatalog } from './readErasureCatalog';
import { readOutsideReferences } from './readOutsideReferences';
import { readSnowflakeOutsideReferences } from './readSnowflakeOutsideReferences';
import { unboundOwnRows } from './unboundOwnRows';

export interface PlanSubjectErasureDeps {
  readonly dataMap: DataMap;
  /** Read connection: discovery, catalog and the plan's live checks. */
  readonly db: PgDatabase;
  readonly searchers: Partial<Record<System, TableSearcher>>;
  readonly subjectHashKey: string | Buffer;
  /** Key the live checks evaluate keyed-hash masks with; a stand-in does for a plan (the shape is what is checked). */
  readonly maskKey: string | Buffer;
  readonly randomBytes: RandomBytes;
  /** A Snowflake session that reads the catalog: the plan's Snowflake part is checked against it. */
  readonly snowflakeDb?: SnowflakeDatabase;
  /** The catalog read before; read here when absent. */
  readonly catalog?: ErasureCatalog;
  /**
   * Heap the discovery behind the plan may hold rows in, estimated (`TraverseOptions.maxHeldBytes`);
   * a subject whose rows take more is refused with `SubjectTooLargeError` before anything is
   * planned. @default no limit
   */
  readonly maxHeldBytes?: number;
}

export interface SubjectErasurePlanning {
  readonly catalog: ErasureCatalog;
  readonly findings: FindingsDocument;
  readonly plan: ErasurePlan;
  /** What keeps the plan from running: the data map against the catalog, then the live checks. */
  readonly problems: readonly ErasureProblem[];
  /** Every identifier known before the erasure: the request's and those learned in the found rows. */
  readonly known: Record<string, string[]>;
  /**
   * Values of learned kinds in the found rows that discovery did not follow (shared with other
   * people): not the subject's identifiers, never searched for, but still kept out of error text.
   */
  readonly unfollowed: Record<string, string[]>;
}

/** The PostgreSQL schemas the data map names (the erasure catalog is read for these). */
export function mappedSchemas(dataMap: DataMap): string[] {
  return [...new Set(dataMap.postgres.map((t) => t.table.split('.')[0] as string))];
}

/**
 * Discovers the subject and plans its erasure, read-only: discovery, the rows shared with other
 * people on the live data (`readOutsideReferences`, `readSnowflakeOutsideReferences`,
 * `decideSharedRows`), the plan from the catalog
 * (`planErasure`), then the live checks (`checkPlan`: cascades, CHECKs) when the plan itself has
 * no problem. What the extractor records for an erasure request and what `dsr erase --dry-run` prints.
 */
export async function planSubjectErasure(
  deps: PlanSubjectErasureDeps,
  input: { readonly requestId: string; readonly identifiers: Readonly<Record<string, readonly string[]>> },
): Promise<SubjectErasurePlanning> {
  const catalog = deps.catalog ?? (await readErasureCatalog(deps.db, mappedSchemas(deps.dataMap)));
  const { document: findings, identities } = await discoverSubject(
    {
      dataMap: deps.dataMap,
      searchers: deps.searchers,
      subjectHashKey: deps.subjectHashKey,
      ...(deps.maxHeldBytes !== undefined ? { maxHeldBytes: deps.maxHeldBytes } : {}),
      // The plan judges follows onto columns that are not keys itself (`FOLLOW_AMBIGUOUS`, rows a
      // foreign key's pair excludes), so it needs every row such a follow reaches.
      followGuard: false,
    },
    { requestId: input.requestId, identifiers: input.identifiers },
  );
  const known = learnedIdentifiers(deps.dataMap, findings, input.identifiers, identities);
  const unfollowed = withoutValues(learnedIdentifiers(deps.dataMap, findings, {}), known);
  const referenced = new Map([
    ...(await readOutsideReferences(deps.db, deps.dataMap, catalog, findings)),
    ...(deps.searchers.snowflake
      ? await readSnowflakeOutsideReferences(deps.searchers.snowflake, deps.dataMap, findings)
      : []),
  ]);
  const shared = decideSharedRows(deps.dataMap, findings, known, referenced, catalog.foreignKeys);
  const unboundOwn = await unboundOwnRows(deps.db, deps.dataMap, catalog, findings);
  const { plan, problems } = planErasure(
    { dataMap: deps.dataMap, catalog },
    { findings, shared, unboundOwn },
  );
  if (problems.length > 0) return { catalog, findings, plan, problems, known, unfollowed };
  return {
    catalog,
    findings,
    plan,
    problems: await checkPlan({ ...deps, catalog }, plan),
    known,
    unfollowed,
  };
}

/** The values of `all` that `known` does not hold, by kind; kinds left empty are dropped. */
function withoutValues(
  all: Record<string, string[]>,
  known: Readonly<Record<string, readonly string[]>>,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [kind, values] of Object.entries(all)) {
    const have = new Set(known[kind] ?? []);
    const rest = values.filter((v) => !have.has(v));
    if (rest.length > 0) out[kind] = rest;
  }
  return out;
}
