import type { LedgerEntry } from '../ledger/Ledger';
import { FINAL_STATES, lifecycleOf, type RequestState } from '../ledger/RequestState';

/**
 * The erase stage's checkpoints: `erasing` entries that are not transitions. Each is written with a
 * stage of its own, numbered (`erase-step-00001`…), because the ledger keeps one entry per (request,
 * state, stage); its detail's `checkpoint` names its kind.
 */
export const ERASE_CHECKPOINT = {
  /** A table's step committed: `{system, table, action, planned, changed, alreadyDone}`. */
  step: 'erase-step',
  /** A plan made again because rows changed: `{planHash, rowsToChange}`. */
  replan: 'erase-replan',
  /** dsr-bridge's own earlier copies removed: `{earlierRequests, findingRowsCleared, objectsDeleted}`. */
  copies: 'erase-copies',
} as const;
export type EraseCheckpointKind = keyof typeof ERASE_CHECKPOINT;

/** The stage name of checkpoint `number` (1-based) of a kind. */
export function eraseCheckpointStage(kind: EraseCheckpointKind, number: number): string {
  return `${ERASE_CHECKPOINT[kind]}-${String(number).padStart(5, '0')}`;
}

/** Whether an entry is an erase checkpoint (of `kind`, when given) rather than a transition. */
export function isEraseCheckpoint(
  entry: { readonly state: string; readonly detail?: Readonly<Record<string, unknown>> | null },
  kind?: EraseCheckpointKind,
): boolean {
  return (
    entry.state === 'erasing' &&
    typeof entry.detail?.checkpoint === 'string' &&
    (kind === undefined || entry.detail?.checkpoint === kind)
  );
}

/** What the erase stage does with a delivery, decided from the ledger and the plan it would run. */
export type ErasureDecision =
  /** The request has ended: acknowledge and do nothing. */
  | { readonly action: 'skip'; readonly state: RequestState }
  /** Wait for `dsr approve`; `enter`: record `awaiting_approval` first (from `last`). */
  | { readonly action: 'await'; readonly enter: boolean; readonly last: RequestState | undefined }
  /** Erase; `enter`: record `erasing` first (from `last`). */
  | { readonly action: 'erase'; readonly enter: boolean; readonly last: RequestState | undefined }
  /** An approval was recorded for another plan than the one to run: a person must look. */
  | { readonly action: 'refuse'; readonly approvedPlanHash: string };

/**
 * Decides how the erase stage treats a delivery: a pure function of the request's ledger, the hash
 * of the plan it would run and whether that plan needs approval. An approval counts only for the plan
 * whose hash it names; once the request is `erasing`, a redelivery goes on erasing (the executors
 * count what is already done), so a crash never sends an approved erasure back to wait.
 */
export function decideErasure(
  history: readonly LedgerEntry[],
  planHash: string,
  approvalRequired: boolean,
): ErasureDecision {
  const life = lifecycleOf(history);
  const final = life.find((e) => FINAL_STATES.has(e.state))?.state;
  if (final !== undefined) return { action: 'skip', state: final };
  const last = life.at(-1)?.state;
  if (last === 'erasing') return { action: 'erase', enter: false, last };
  const approved = life.filter((e) => e.state === 'approved').at(-1);
  const approvedFor = approved?.detail?.planHash;
  // Waiting again for a plan made again after an earlier approval: the older approval is spent.
  const waitingSince = life.filter((e) => e.state === 'awaiting_approval').at(-1);
  const approvalValid =
    approved !== undefined &&
    approvedFor === planHash &&
    (waitingSince === undefined || life.indexOf(approved) > life.indexOf(waitingSince));
  if (last === 'approved') {
    if (approvalValid) return { action: 'erase', enter: true, last };
    return { action: 'refuse', approvedPlanHash: String(approvedFor ?? '') };
  }
  // Once waiting, only `dsr approve` or a cancellation moves the request on.
  if (last === 'awaiting_approval') return { action: 'await', enter: false, last };
  // gated, or retrying / dead_lettered at any point before or during the erasure.
  const erasedBefore = life.some((e) => e.state === 'erasing');
  if (erasedBefore || !approvalRequired || approvalValid) return { action: 'erase', enter: true, last };
  return { action: 'await', enter: true, last };
}
