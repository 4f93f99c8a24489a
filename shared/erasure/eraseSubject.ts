import type { DataMap } from '../datamap/dataMapSchema';
import type { FindingsDocument } from '../discovery/FindingsDocument';
import type { System, TableSearcher } from '../discovery/SearchableTable';
import type { PgDatabase } from '../postgres/PgDatabase';
import type { ErasurePlan } from './ErasurePlan';
import type { ErasureProblem } from './ErasureProblem';
import type { ErasureExecution, ErasureStep, StaleRows } from './ErasureStep';
import { executeErasurePlan } from './executeErasurePlan';
import { rehearsePostgresErasure } from './executePostgresErasure';
import type { RandomBytes } from './maskValue';
import { mappedSchemas, planSubjectErasure } from './planSubjectErasure';
import { proveErasure } from './proveErasure';
import { type ErasureCatalog, readErasureCatalog } from './readErasureCatalog';
import type { ErasureVerification } from './verifyErasure';

export interface EraseSubjectDeps {
  readonly dataMap: DataMap;
  /** Read connection (discovery, catalog, checks). */
  readonly db: PgDatabase;
  /** Write connection with the erasure role; a dry run rehearses through it (skipped when absent). */
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
  | {
      readonly outcome: 'planned';
      readonly plan: ErasurePlan;
      readonly findings: FindingsDocument;
      /**
       * `rehearsed`: the PostgreSQL statements ran in a transaction that was rolled back, and the
       * database accepted them; `skipped`: no erasure-role connection was given to rehearse with.
       */
      readonly rehearsal: 'rehearsed' | 'skipped';
    }
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
 * against the database (references from any schema, triggers, rules, policies, CHECKs); a dry run
 * then rehearses the PostgreSQL statements through the erasure role and rolls back
 * (`rehearsePostgresErasure`). Otherwise: execute PostgreSQL in one transaction that repeats the
 * checks under its locks (re-planned from a fresh discovery when a row changed since), then
 * Snowflake, then prove by re-discovery with every identifier known before the erasure.
 */
export async function eraseSubject(
  deps: EraseSubjectDeps,
  input: {
    readonly requestId: string;
    readonly identifiers: Record<string, string[]>;
    readonly dryRun: boolean;
  },
): Promise<EraseSubjectResult> {
  const catalog: ErasureCatalog = await readErasureCatalog(deps.db, mappedSchemas(deps.dataMap));
  for (let replans = 0; ; replans++) {
    const { findings, plan, problems, known } = await planSubjectErasure({ ...deps, catalog }, input);
    if (problems.length > 0) return { outcome: 'refused', plan, problems };
    if (input.dryRun || !deps.writeDb) {
      if (!deps.writeDb) return { outcome: 'planned', plan, findings, rehearsal: 'skipped' };
      const rehearsal = await rehearsePostgresErasure(
        { ...deps, db: deps.writeDb, checkDb: deps.db, catalog },
        plan,
        { findings },
      );
      if (rehearsal.outcome === 'refused') return { outcome: 'refused', plan, problems: rehearsal.problems };
      if (rehearsal.outcome === 'stale' && replans < (deps.maxReplans ?? 2)) continue;
      if (rehearsal.outcome === 'stale') return { outcome: 'stale', plan, stale: rehearsal.stale };
      return { outcome: 'planned', plan, findings, rehearsal: 'rehearsed' };
    }
    const executed = await executeErasurePlan(
      {
        ...deps,
        writeDb: deps.writeDb,
        checkDb: deps.db,
        catalog,
        ...(deps.onStep ? { onStep: deps.onStep } : {}),
      },
      plan,
      findings,
    );
    if (executed.outcome === 'refused') return { outcome: 'refused', plan, problems: executed.problems };
    if (executed.outcome === 'stale') {
      // Only a PostgreSQL change is planned again here; a stale Snowflake part ends the run.
      const pgStale = executed.stale.every((s) => s.system === 'postgres');
      if (pgStale && replans < (deps.maxReplans ?? 2)) continue;
      return { outcome: 'stale', plan, stale: executed.stale };
    }
    const verification = await proveErasure(
      { ...deps, catalog },
      {
        requestId: input.requestId,
        plan,
        findings,
        known,
      },
    );
    return { outcome: 'executed', plan, findings, steps: executed.steps, verification, replans };
  }
}
