import type { DataMap } from '../datamap/dataMapSchema';
import { discoverSubject } from '../discovery/discoverSubject';
import type { FindingsDocument } from '../discovery/FindingsDocument';
import type { System, TableSearcher } from '../discovery/SearchableTable';
import type { PgDatabase } from '../postgres/PgDatabase';
import { checkPlan } from './checkPlan';
import type { ErasurePlan } from './ErasurePlan';
import type { ErasureProblem } from './ErasureProblem';
import type { ErasureExecution, ErasureStep, StaleRows } from './ErasureStep';
import { executePostgresErasure } from './executePostgresErasure';
import { learnedIdentifiers } from './learnedIdentifiers';
import type { RandomBytes } from './maskValue';
import { partialKeyMatches, planErasure } from './planErasure';
import { type ErasureCatalog, readErasureCatalog } from './readErasureCatalog';
import { rediscover } from './rediscover';
import { type ErasureVerification, verifyErasure } from './verifyErasure';

export interface EraseSubjectDeps {
  readonly dataMap: DataMap;
  /** Read connection (discovery, catalog, checks). */
  readonly db: PgDatabase;
  /** Write connection with the erasure role; absent for a dry run. */
  readonly writeDb?: PgDatabase;
  /** Searchers of the systems the data map names (discovery and the proof). */
  readonly searchers: Partial<Record<System, TableSearcher>>;
  readonly subjectHashKey: string | Buffer;
  readonly maskKey: string | Buffer;
  readonly randomBytes: RandomBytes;
  /** The Snowflake part of the plan, when the map has Snowflake tables. */
  readonly executeSnowflake?: (plan: ErasurePlan) => Promise<ErasureExecution>;
  /** Called once per table step after its system's transaction committed. */
  readonly onStep?: (step: ErasureStep) => void;
  /** Plans made again after rows changed under the erasure. @default 2 */
  readonly maxReplans?: number;
}

export type EraseSubjectResult =
  | { readonly outcome: 'refused'; readonly plan: ErasurePlan; readonly problems: readonly ErasureProblem[] }
  | { readonly outcome: 'planned'; readonly plan: ErasurePlan; readonly findings: FindingsDocument }
  | { readonly outcome: 'stale'; readonly plan: ErasurePlan; readonly stale: readonly StaleRows[] }
  | {
      readonly outcome: 'executed';
      readonly plan: ErasurePlan;
      readonly findings: FindingsDocument;
      readonly steps: readonly ErasureStep[];
      readonly verification: ErasureVerification;
      /** How many times the plan was made again because rows changed under it. */
      readonly replans: number;
    };

/**
 * Erases one subject locally, step after step: discover, plan (catalog checks), check the plan
 * against the database (cascades, CHECKs), and unless `dryRun`: execute PostgreSQL in one
 * transaction (re-planned from a fresh discovery when a row changed since), then Snowflake, then
 * prove by re-discovery with every identifier known before the erasure.
 */
export async function eraseSubject(
  deps: EraseSubjectDeps,
  input: {
    readonly requestId: string;
    readonly identifiers: Record<string, string[]>;
    readonly dryRun: boolean;
  },
): Promise<EraseSubjectResult> {
  const schemas = [...new Set(deps.dataMap.postgres.map((t) => t.table.split('.')[0] as string))];
  const catalog: ErasureCatalog = await readErasureCatalog(deps.db, schemas);
  for (let replans = 0; ; replans++) {
    const { document: findings } = await discoverSubject(
      { dataMap: deps.dataMap, searchers: deps.searchers, subjectHashKey: deps.subjectHashKey },
      { requestId: input.requestId, identifiers: input.identifiers },
    );
    const { plan, problems } = planErasure({ dataMap: deps.dataMap, catalog }, { findings });
    if (problems.length > 0) return { outcome: 'refused', plan, problems };
    const live = await checkPlan({ ...deps, catalog }, plan);
    if (live.length > 0) return { outcome: 'refused', plan, problems: live };
    if (input.dryRun || !deps.writeDb) return { outcome: 'planned', plan, findings };
    const pg = await executePostgresErasure({ ...deps, db: deps.writeDb, catalog }, plan, { findings });
    if (pg.outcome === 'stale') {
      if (replans < (deps.maxReplans ?? 2)) continue;
      return { outcome: 'stale', plan, stale: pg.stale };
    }
    for (const step of pg.steps) deps.onStep?.(step);
    const sf = deps.executeSnowflake
      ? await deps.executeSnowflake(plan)
      : { outcome: 'done' as const, steps: [] };
    if (sf.outcome === 'stale') return { outcome: 'stale', plan, stale: sf.stale };
    for (const step of sf.steps) deps.onStep?.(step);
    const known = learnedIdentifiers(deps.dataMap, findings, input.identifiers);
    const verification = await verifyErasure(
      {
        dataMap: deps.dataMap,
        discover: (identifiers) => rediscover(deps, { requestId: input.requestId, findings, identifiers }),
        notSubject: (again) => partialKeyMatches(again, catalog, findings),
      },
      plan,
      known,
    );
    return { outcome: 'executed', plan, findings, steps: [...pg.steps, ...sf.steps], verification, replans };
  }
}
