import type { DataMap } from '../datamap/dataMapSchema';
import type { FindingsDocument } from '../discovery/FindingsDocument';
import type { PgDatabase } from '../postgres/PgDatabase';
import type { ErasurePlan } from './ErasurePlan';
import type { ErasureExecution, ErasureStep } from './ErasureStep';
import { executePostgresErasure } from './executePostgresErasure';
import type { SnowflakeErasurePart } from './executeSnowflakeErasure';
import type { RandomBytes } from './maskValue';
import type { ErasureCatalog } from './readErasureCatalog';

export interface ExecuteErasurePlanDeps {
  readonly dataMap: DataMap;
  /** Write connection with the erasure role. */
  readonly writeDb: PgDatabase;
  /** Read connection the plan's checks are repeated through under the locks. @default writeDb */
  readonly checkDb?: PgDatabase;
  readonly catalog: ErasureCatalog;
  readonly maskKey: string | Buffer;
  readonly randomBytes: RandomBytes;
  /** The Snowflake part of the plan, when the map has Snowflake tables. */
  readonly snowflake?: SnowflakeErasurePart;
  /** Called once per table step after its system's transaction committed. */
  readonly onStep?: (step: ErasureStep) => void | Promise<void>;
}

/**
 * Executes a plan: the Snowflake part is checked against Snowflake's catalog and rehearsed first
 * (`refused` or `stale` there: nothing is changed in either system), then PostgreSQL in one
 * transaction that repeats every check under its locks, then Snowflake in one. So a Snowflake rule
 * that cannot run never leaves the subject half erased; only a fault between the two commits can,
 * and the persisted plan resumes it. Each system's part first re-reads the planned rows and counts
 * those already erased as done, so running the same plan again after a crash (between the two
 * commits, or after both) changes nothing twice. `stale` means a planned row changed since discovery
 * and that system's transaction was rolled back: plan again, unless `afterPostgresCommit` says
 * PostgreSQL's part had committed; `refused`, that a check (Snowflake's before any commit, or
 * PostgreSQL's under the locks) or the database refused it (nothing changed anywhere).
 */
export async function executeErasurePlan(
  deps: ExecuteErasurePlanDeps,
  plan: ErasurePlan,
  findings: FindingsDocument,
): Promise<ErasureExecution> {
  if (deps.snowflake) {
    const checked = await deps.snowflake.check(plan);
    if (checked.outcome !== 'done') return checked;
  }
  const pg = await executePostgresErasure({ ...deps, db: deps.writeDb }, plan, { findings });
  if (pg.outcome !== 'done') return pg;
  for (const step of pg.steps) await deps.onStep?.(step);
  const sf = deps.snowflake ? await deps.snowflake.execute(plan) : { outcome: 'done' as const, steps: [] };
  if (sf.outcome === 'stale') return { ...sf, afterPostgresCommit: true };
  if (sf.outcome !== 'done') return sf;
  for (const step of sf.steps) await deps.onStep?.(step);
  return { outcome: 'done', steps: [...pg.steps, ...sf.steps] };
}
