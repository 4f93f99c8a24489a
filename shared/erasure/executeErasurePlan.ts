import type { DataMap } from '../datamap/dataMapSchema';
import type { FindingsDocument } from '../discovery/FindingsDocument';
import type { PgDatabase } from '../postgres/PgDatabase';
import type { ErasurePlan } from './ErasurePlan';
import type { ErasureExecution, ErasureStep } from './ErasureStep';
import { erasureUnits, unitsDone } from './erasureUnits';
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
  /**
   * Above this many PostgreSQL rows to change, each table runs in batches of at most this many rows,
   * each batch its own transaction (see `erasureUnits`). @default none: one transaction
   */
  readonly batchRows?: number;
}

/** Where an erasure resumes, and when it stops to be continued by another invocation. */
export interface ErasureResume {
  /** Steps committed before (read back from the ledger): the units they show done are not run again. */
  readonly done?: readonly ErasureStep[];
  /**
   * Asked before each unit after the first one this call committed; `false` stops there, with the
   * outcome `paused`. Each call therefore commits at least one unit: a hand-on always makes progress.
   */
  readonly beforeUnit?: () => boolean | Promise<boolean>;
}

/** The outcome of {@link executeErasureUnits}: an execution, or a stop between two committed units. */
export type ErasurePlanExecution =
  | ErasureExecution
  | {
      readonly outcome: 'paused';
      readonly steps: readonly ErasureStep[];
      /** Units committed (before this call and in it), and how many the plan has. */
      readonly units: { readonly done: number; readonly of: number };
    };

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
  const executed = await executeErasureUnits(deps, plan, findings);
  if (executed.outcome === 'paused') throw new Error('an erasure without beforeUnit cannot pause');
  return executed;
}

/**
 * Executes a plan unit by unit (see `erasureUnits`), resuming after the units `resume.done` shows
 * committed and stopping between two units when `resume.beforeUnit` says so. With no `batchRows`
 * and nothing done, this is {@link executeErasurePlan}'s order: Snowflake's check and rehearsal,
 * PostgreSQL's one transaction, Snowflake's. Above `batchRows`, PostgreSQL's part is a sequence of
 * transactions, each locking its batch's rows and repeating every check under those locks before it
 * commits. Snowflake's check and rehearsal run before the first commit only (an invocation that
 * resumes after a commit does not rehearse again; Snowflake's change still re-reads and compares
 * every row). After a commit, rows found changed end `stale` with `afterPostgresCommit` (the plan
 * must not be made again: rows that led to other rows may be gone) and a refusal carries
 * `afterCommit`: the units committed before it stay erased.
 */
export async function executeErasureUnits(
  deps: ExecuteErasurePlanDeps,
  plan: ErasurePlan,
  findings: FindingsDocument,
  resume: ErasureResume = {},
): Promise<ErasurePlanExecution> {
  const units = erasureUnits(plan, {
    foreignKeys: deps.catalog.foreignKeys,
    ...(deps.batchRows !== undefined ? { batchRows: deps.batchRows } : {}),
  });
  const done = unitsDone(units, resume.done ?? []);
  const steps: ErasureStep[] = [];
  let committed = 0;
  const committedBefore = () => done.size + committed > 0;
  if (deps.snowflake && !committedBefore()) {
    const checked = await deps.snowflake.check(plan);
    if (checked.outcome !== 'done') return checked;
  }
  for (const unit of units) {
    if (done.has(unit.id)) continue;
    if (committed > 0 && resume.beforeUnit && !(await resume.beforeUnit()))
      return { outcome: 'paused', steps, units: { done: done.size + committed, of: units.length } };
    let result: ErasureExecution;
    if (unit.system === 'postgres') {
      const part = unit.batch ? { ...plan, tables: unit.tables } : plan;
      result = await executePostgresErasure({ ...deps, db: deps.writeDb }, part, { findings });
      if (result.outcome === 'stale' && committedBefore()) result = { ...result, afterPostgresCommit: true };
    } else {
      result = deps.snowflake ? await deps.snowflake.execute(plan) : { outcome: 'done', steps: [] };
      if (result.outcome === 'stale') result = { ...result, afterPostgresCommit: true };
    }
    if (result.outcome === 'refused' && committedBefore()) return { ...result, afterCommit: true };
    if (result.outcome !== 'done') return result;
    const batch = unit.batch;
    for (const step of result.steps) {
      const tagged: ErasureStep = batch
        ? { ...step, batch: batch.number, batches: batch.of, batchRows: batch.rows }
        : step;
      steps.push(tagged);
      await deps.onStep?.(tagged);
    }
    committed++;
  }
  return { outcome: 'done', steps };
}
