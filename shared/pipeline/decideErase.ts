import { type ApprovalPolicy, approvalOfPlan, needsApproval } from '../audit/approval';
import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import type { OwnCopiesRemoved } from '../erasure/buildErasureReceipt';
import { type ErasurePlan, rowsToChange } from '../erasure/ErasurePlan';
import type { ErasureProblem } from '../erasure/ErasureProblem';
import type { ErasureStep } from '../erasure/ErasureStep';
import type { LedgerEntry } from '../ledger/Ledger';
import { FINAL_STATES, lifecycleOf, type RequestState } from '../ledger/RequestState';
import { type EraseCheckpointKind, isEraseCheckpoint } from './EraseCheckpoint';

/**
 * The erase stage's decisions, each a pure function of values the stage read (the ledger, the plans):
 * the stage reads, calls these, and acts. A unit test asserts them without queues, bucket or databases.
 */

type Detail = NonNullable<LedgerEntry['detail']>;

/** A transition the stage records before it acts: from the last lifecycle state, with this detail. */
export interface EraseTransition {
  readonly from: RequestState | undefined;
  readonly detail: Detail;
}

/** What the erase stage does with a delivery once it knows the plan it would run. */
export type EraseDecision =
  /** The request has ended: acknowledge and do nothing. */
  | { readonly action: 'skip'; readonly state: RequestState }
  /** An approval was recorded for another plan than the one to run: quarantine, a person must look. */
  | { readonly action: 'refuse'; readonly planHash: string; readonly approvedPlanHash: string }
  /** Wait for `dsr approve`; `enter`: record `awaiting_approval` first. */
  | { readonly action: 'await'; readonly enter?: EraseTransition }
  /** Erase; `enter`: record `erasing` first. */
  | { readonly action: 'erase'; readonly enter?: EraseTransition };

/** The final state an erasure request has reached, if it has ended (a delivery then does nothing). */
export function erasureEnded(history: readonly LedgerEntry[]): RequestState | undefined {
  return lifecycleOf(history).find((e) => FINAL_STATES.has(e.state))?.state;
}

/**
 * Decides how the erase stage treats a delivery, from the request's ledger (`history`), the plan it
 * would run and the approval policy. An approval counts only for the plan whose hash it names
 * ({@link approvalOfPlan}); once the request is `erasing`, a redelivery goes on erasing (the
 * executors count what is already done), so a crash never sends an approved erasure back to wait.
 * The transition to record carries the plan's hash, the rows it changes and, for a plan that
 * waits, the codes of why ({@link needsApproval}).
 */
export function decideErase(input: {
  readonly history: readonly LedgerEntry[];
  readonly plan: ErasurePlan;
  readonly policy: ApprovalPolicy;
}): EraseDecision {
  const { history, plan, policy } = input;
  const ended = erasureEnded(history);
  if (ended !== undefined) return { action: 'skip', state: ended };
  const life = lifecycleOf(history);
  const last = life.at(-1)?.state;
  if (last === 'erasing') return { action: 'erase' };
  const approval = approvalOfPlan(history, plan.planHash);
  const erase: EraseDecision = {
    action: 'erase',
    enter: { from: last, detail: { planHash: plan.planHash, rowsToChange: rowsToChange(plan) } },
  };
  if (last === 'approved')
    return approval.approved
      ? erase
      : { action: 'refuse', planHash: plan.planHash, approvedPlanHash: approval.approvedPlanHash };
  // Once waiting, only `dsr approve` or a cancellation moves the request on.
  if (last === 'awaiting_approval') return { action: 'await' };
  // gated, or retrying / dead_lettered at any point before or during the erasure.
  const requirement = needsApproval(plan, policy);
  const erasedBefore = life.some((e) => e.state === 'erasing');
  if (erasedBefore || !requirement.required || approval.approved) return erase;
  return {
    action: 'await',
    enter: {
      from: last,
      detail: {
        planHash: plan.planHash,
        rowsToChange: rowsToChange(plan),
        reasons: reasonCodes(requirement.reasons),
      },
    },
  };
}

/** What a plan made again (after rows changed under the erasure) leads to. */
export type ReplanDecision =
  /** The new plan has problems: quarantine it as a refused plan; nothing more is changed. */
  | { readonly action: 'refuse'; readonly planHash: string; readonly problems: readonly ErasureProblem[] }
  /** The new plan reaches rows the one run did not and needs approval: wait again (from `erasing`). */
  | { readonly action: 'await'; readonly detail: Detail }
  /** Run the new plan; `checkpoint` is the detail of the `erase-replan` checkpoint to record. */
  | { readonly action: 'continue'; readonly checkpoint: Detail };

/**
 * Decides what a plan made again leads to. A plan with problems is refused; a plan that needs
 * approval waits for it anew, unless every row it changes is one the plan run before changed too
 * (approved, or small enough to need none); otherwise it runs.
 */
export function decideReplan(input: {
  /** The plan that was running when rows changed. */
  readonly running: ErasurePlan;
  readonly again: { readonly plan: ErasurePlan; readonly problems: readonly ErasureProblem[] };
  readonly policy: ApprovalPolicy;
}): ReplanDecision {
  const { running, again, policy } = input;
  if (again.problems.length > 0)
    return { action: 'refuse', planHash: again.plan.planHash, problems: again.problems };
  const approval = needsApproval(again.plan, policy);
  if (approval.required && !changesOnlyRowsOf(again.plan, running))
    return {
      action: 'await',
      detail: {
        planHash: again.plan.planHash,
        rowsToChange: rowsToChange(again.plan),
        reasons: reasonCodes(approval.reasons),
        replanned: true,
      },
    };
  return {
    action: 'continue',
    checkpoint: { planHash: again.plan.planHash, rowsToChange: rowsToChange(again.plan) },
  };
}

/**
 * The hash of the plan to run when it is not the erasure case's: the latest plan made again (an
 * `erase-replan` checkpoint, or a wait for approval of a re-made plan). `undefined`: run the case's.
 */
export function replannedPlanHash(history: readonly LedgerEntry[], casePlanHash: string): string | undefined {
  const latest = history
    .filter(
      (e) =>
        isEraseCheckpoint(e, 'replan') ||
        (e.state === 'awaiting_approval' && String(e.detail?.replanned) === 'true'),
    )
    .at(-1)?.detail?.planHash;
  return latest === undefined || latest === casePlanHash ? undefined : String(latest);
}

/** What earlier deliveries recorded of an erasure in progress, read from its checkpoints. */
export interface ErasureProgress {
  /** How many checkpoints of each kind the history holds: the next one of a kind is numbered after. */
  readonly numbers: Map<EraseCheckpointKind, number>;
  /** Table steps committed (`erase-step` checkpoints), in order. */
  readonly steps: ErasureStep[];
  /** dsr-bridge's own earlier copies removed, when a delivery recorded it (`erase-copies`). */
  readonly copies: OwnCopiesRemoved | undefined;
}

/** The progress an erasure's ledger records (see {@link ErasureProgress}). */
export function erasureProgress(history: readonly LedgerEntry[]): ErasureProgress {
  const numbers = new Map<EraseCheckpointKind, number>();
  for (const kind of ['step', 'replan', 'copies'] as const)
    numbers.set(kind, history.filter((e) => isEraseCheckpoint(e, kind)).length);
  const steps = history
    .filter((e) => isEraseCheckpoint(e, 'step') && e.detail)
    .map((e) => {
      const d = e.detail as Detail;
      return {
        system: d.system as ErasureStep['system'],
        table: String(d.table),
        action: d.action as ErasureStep['action'],
        planned: Number(d.planned),
        changed: Number(d.changed),
        alreadyDone: Number(d.alreadyDone),
        ...(typeof d.party === 'string' ? { party: d.party } : {}),
        ...(d.batch !== undefined
          ? { batch: Number(d.batch), batches: Number(d.batches), batchRows: Number(d.batchRows) }
          : {}),
      };
    });
  const d = history.filter((e) => isEraseCheckpoint(e, 'copies')).at(-1)?.detail;
  const copies = d
    ? {
        earlierRequests: Number(d.earlierRequests),
        findingRowsCleared: Number(d.findingRowsCleared),
        objectsDeleted: Number(d.objectsDeleted),
      }
    : undefined;
  return { numbers, steps, copies };
}

/**
 * The findings hand-off (its manifest's SHA-256) the stage verified whole when the request entered
 * `erasing`, as that transition recorded it. An invocation that resumes the same hand-off checks the
 * manifest against it and each part against the manifest as it reads it, without reading every
 * part first again (as the load does).
 */
export function erasingHandOff(history: readonly LedgerEntry[]): string | undefined {
  const entered = lifecycleOf(history)
    .filter((e) => e.state === 'erasing' && !isEraseCheckpoint(e))
    .at(-1);
  const handOff = entered?.detail?.handOff;
  return typeof handOff === 'string' ? handOff : undefined;
}

/** Remaining time kept in reserve by default: no new unit is started, nor the proof, with less. */
export const DEFAULT_ERASE_RESERVE_MS = 20_000;

/**
 * Whether the erase stage stops here and hands the request on to its next invocation (the erase
 * queue), decided before each unit of the plan (see `erasureUnits`) and before the proof: when this
 * invocation has committed at least one unit and has less time left than `reserveMs`, or than twice
 * its longest unit so far. An invocation that committed nothing goes on whatever its time, so every
 * hand-on follows progress and an erasure never cycles through the queue without erasing (a unit
 * that cannot finish in a whole invocation fails it instead: retried, then dead-lettered). Without
 * `remainingMs` (no Lambda context), never.
 */
export function handOnErasure(input: {
  readonly remainingMs: number | undefined;
  readonly reserveMs: number;
  /** Units this invocation committed. */
  readonly unitsNow: number;
  /** The longest of them, ms. */
  readonly longestUnitMs: number;
}): boolean {
  const { remainingMs, reserveMs, unitsNow, longestUnitMs } = input;
  return unitsNow > 0 && remainingMs !== undefined && remainingMs < Math.max(reserveMs, 2 * longestUnitMs);
}

/** The distinct reason codes of a plan that waits, comma-separated, as the ledger records them. */
function reasonCodes(reasons: readonly { readonly code: string }[]): string {
  return [...new Set(reasons.map((r) => r.code))].join(',');
}

/** Whether every row `next` changes is one `before` changed too (same system, table and key). */
function changesOnlyRowsOf(next: ErasurePlan, before: ErasurePlan): boolean {
  const id = (system: string, table: string, key: unknown) =>
    `${system}\u0000${table}\u0000${canonicalJson(key as CanonicalValue)}`;
  const known = new Set(
    before.tables
      .filter((t) => t.action === 'delete' || t.action === 'mask')
      .flatMap((t) => t.rows.map((r) => id(t.system, t.table, r.key))),
  );
  return next.tables
    .filter((t) => t.action === 'delete' || t.action === 'mask')
    .every((t) => t.rows.every((r) => known.has(id(t.system, t.table, r.key))));
}
