import type { DataMap } from '../datamap/dataMapSchema';
import type { System } from '../datamap/System';
import type { FindingsDocument } from '../discovery/FindingsDocument';
import type { TableSearcher } from '../discovery/SearchableTable';
import { InvalidInputError } from '../errors/errors';
import type { PgDatabase } from '../postgres/PgDatabase';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import type { ErasurePlan } from './ErasurePlan';
import type { ErasureProblem } from './ErasureProblem';
import type { ErasureRecord, ErasureStateStore } from './ErasureStateStore';
import type { ErasureStep, StaleRows } from './ErasureStep';
import { executeErasurePlan } from './executeErasurePlan';
import { rehearsePostgresErasure } from './executePostgresErasure';
import type { SnowflakeErasurePart } from './executeSnowflakeErasure';
import type { RandomBytes } from './maskValue';
import { mappedSchemas, planSubjectErasure } from './planSubjectErasure';
import { proveErasure } from './proveErasure';
import { type ErasureCatalog, readErasureCatalog } from './readErasureCatalog';
import type { TextScanBounds } from './scanTextColumns';
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
  /**
   * Read session for the plan's Snowflake checks against Snowflake's catalog (dry run and change
   * alike), when the map has Snowflake tables.
   */
  readonly snowflakeDb?: SnowflakeDatabase;
  /** The Snowflake part of the plan (checked and rehearsed before any commit, then executed). */
  readonly snowflake?: SnowflakeErasurePart;
  /**
   * Where the plan is persisted before the first commit; a run of a request id with a state there
   * resumes it (never discovering again), and one already erased reports its receipt of record.
   */
  readonly state?: ErasureStateStore;
  /** Called once per table step after its system's transaction committed. */
  readonly onStep?: (step: ErasureStep) => void;
  /**
   * Opt-in: the proof also scans every text column the read connection may SELECT outside the data
   * map, within these bounds (`scanTextColumns`).
   */
  readonly proofScanText?: TextScanBounds;
  /**
   * Heap the discovery behind the plan may hold rows in, estimated (`planSubjectErasure`): a subject
   * whose rows take more is refused with `SubjectTooLargeError` before anything is planned.
   * @default no limit
   */
  readonly maxHeldBytes?: number;
  /** Plans made again after rows changed under the erasure. @default 2 */
  readonly maxReplans?: number;
}

export type EraseSubjectResult =
  | { readonly outcome: 'refused'; readonly plan: ErasurePlan; readonly problems: readonly ErasureProblem[] }
  /** The request was erased by an earlier run: its receipt of record, unchanged. */
  | { readonly outcome: 'already_erased'; readonly record: ErasureRecord }
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
      /** Every run's steps: an interrupted run's (persisted) and this one's. */
      readonly steps: readonly ErasureStep[];
      /** The plan persisted by an interrupted run was resumed (not discovered again). */
      readonly resumed: boolean;
      readonly verification: ErasureVerification;
      /** How many times the plan was made again because rows changed under it. */
      readonly replans: number;
    };

/**
 * Erases one subject locally, step after step: discover, plan (catalog checks, Snowflake's included),
 * check the plan against the database (references from any schema, triggers, rules, policies,
 * CHECKs). A dry run then checks and rehearses the Snowflake part, and rehearses the PostgreSQL
 * statements through the erasure role and rolls back (`rehearsePostgresErasure`). Otherwise: persist
 * the plan (`state`), check and rehearse the Snowflake part, execute PostgreSQL in one transaction
 * that repeats the checks under its locks (re-planned from a fresh discovery when a row changed
 * since, as long as nothing committed), then Snowflake, then prove by re-discovery with every
 * identifier known before the erasure. A request whose plan was persisted by an interrupted run
 * resumes that plan: the Snowflake keys it holds cannot be learned again from PostgreSQL rows
 * already erased.
 */
export async function eraseSubject(
  deps: EraseSubjectDeps,
  input: {
    readonly requestId: string;
    readonly identifiers: Record<string, string[]>;
    readonly dryRun: boolean;
    /** The subject's hash, compared with a persisted state's: a request id names one subject. */
    readonly subjectHash?: string;
  },
): Promise<EraseSubjectResult> {
  const catalog: ErasureCatalog = await readErasureCatalog(deps.db, mappedSchemas(deps.dataMap));
  const saved = input.dryRun || !deps.writeDb ? undefined : await deps.state?.read(input.requestId);
  if (saved && input.subjectHash !== undefined && saved.subjectHash !== input.subjectHash)
    throw new InvalidInputError(
      `request ${input.requestId} was erased for another subject (its state is ${deps.state?.locationOf(input.requestId)}): use another request id`,
    );
  if (saved?.phase === 'erased') return { outcome: 'already_erased', record: saved };
  const steps: ErasureStep[] = [...(saved?.steps ?? [])];
  const onStep = async (step: ErasureStep) => {
    steps.push(step);
    await current?.save();
    await deps.onStep?.(step);
  };
  let current: { save: () => Promise<void> } | undefined;
  const persist = (plan: ErasurePlan, findings: FindingsDocument, known: Record<string, string[]>) => {
    const save = () =>
      deps.state?.write({
        kind: 'dsr.erasure-state',
        version: 1,
        phase: 'in_progress',
        requestId: input.requestId,
        subjectHash: plan.subject.hash,
        plan,
        findings,
        known,
        steps,
      }) ?? Promise.resolve();
    current = { save };
    return save();
  };
  const execute = (plan: ErasurePlan, findings: FindingsDocument) =>
    executeErasurePlan(
      // biome-ignore lint/style/noNonNullAssertion: checked above (no write connection: planned only)
      { ...deps, writeDb: deps.writeDb!, checkDb: deps.db, catalog, onStep },
      plan,
      findings,
    );
  const prove = async (plan: ErasurePlan, findings: FindingsDocument, known: Record<string, string[]>) =>
    proveErasure({ ...deps, catalog }, { requestId: input.requestId, plan, findings, known });

  if (saved) {
    // Resume the persisted plan; never discover again what may already be erased.
    current = { save: () => persist(saved.plan, saved.findings, saved.known) };
    const executed = await execute(saved.plan, saved.findings);
    if (executed.outcome === 'refused')
      return { outcome: 'refused', plan: saved.plan, problems: executed.problems };
    const pgStale = executed.outcome === 'stale' && executed.stale.every((s) => s.system === 'postgres');
    if (executed.outcome === 'stale' && !(pgStale && steps.length === 0))
      return { outcome: 'stale', plan: saved.plan, stale: executed.stale };
    if (executed.outcome === 'done') {
      const verification = await prove(saved.plan, saved.findings, saved.known);
      return {
        outcome: 'executed',
        plan: saved.plan,
        findings: saved.findings,
        steps,
        verification,
        replans: 0,
        resumed: true,
      };
    }
    // PostgreSQL rows changed before anything committed (the earlier run stopped before its
    // commit): nothing was erased, so the subject is planned afresh below.
  }
  for (let replans = 0; ; replans++) {
    const { findings, plan, problems, known } = await planSubjectErasure({ ...deps, catalog }, input);
    if (problems.length > 0) return { outcome: 'refused', plan, problems };
    if (input.dryRun || !deps.writeDb) {
      // The dry run judges the plan as the change would, in its order: Snowflake's part checked
      // against its catalog and rehearsed (when it has a session that may write), then PostgreSQL's
      // statements rehearsed through the erasure role and rolled back.
      const checked = deps.snowflake ? await deps.snowflake.check(plan) : undefined;
      if (checked?.outcome === 'refused') return { outcome: 'refused', plan, problems: checked.problems };
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
    await persist(plan, findings, known);
    const executed = await execute(plan, findings);
    if (executed.outcome === 'refused') return { outcome: 'refused', plan, problems: executed.problems };
    if (executed.outcome === 'stale') {
      // Planned again only while nothing committed: after PostgreSQL's commit the rows that led to
      // the Snowflake keys are gone, and a re-run resumes the persisted plan instead.
      if (!executed.afterPostgresCommit && replans < (deps.maxReplans ?? 2)) continue;
      return { outcome: 'stale', plan, stale: executed.stale };
    }
    const verification = await prove(plan, findings, known);
    return { outcome: 'executed', plan, findings, steps, verification, replans, resumed: false };
  }
}
