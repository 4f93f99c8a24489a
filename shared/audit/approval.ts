import type { LedgerEntry } from '../ledger/Ledger';
import { FINAL_STATES, lifecycleOf, type RequestState } from '../ledger/RequestState';
import type { Approver } from '../snowflake/readSessionIdentity';

/** Why an approval was refused: a code, with a sentence for the operator. */
export type ApprovalRefusal = 'unknown_request' | 'not_awaiting_approval' | 'ended' | 'already_approved';

/** What `dsr approve` does: the entry to append, or a refusal. Outcomes are values. */
export type ApprovalDecision =
  | { readonly outcome: 'approve'; readonly entry: LedgerEntry }
  | { readonly outcome: 'refuse'; readonly refusal: ApprovalRefusal; readonly message: string };

export interface ApprovalContext {
  readonly requestId: string;
  readonly approver: Approver;
  readonly now: Date;
  readonly traceId: string;
  /** SHA-256 (hex) of the operator's note, NFC-normalised; the note itself may name people. */
  readonly noteSha256?: string;
}

/** The stage an operator's approval is recorded under. */
export const APPROVAL_STAGE = 'operator';

/**
 * Decides an operator's approval of a waiting erasure plan from the request's ledger.
 *
 * Only a request whose last lifecycle state is `awaiting_approval` can be approved (the state
 * machine allows `approved` from there alone). The entry copies the `planHash` of the latest
 * `awaiting_approval` entry, so the approval is bound to the plan the operator was shown: a plan
 * made again (rows changed meanwhile) waits for its own approval. A second approval of a request
 * that waited twice is recorded under `operator-2`, … because the ledger keeps one entry per
 * (request, state, stage).
 */
export function decideApproval(history: readonly LedgerEntry[], context: ApprovalContext): ApprovalDecision {
  const { requestId } = context;
  const refuse = (refusal: ApprovalRefusal, message: string): ApprovalDecision => ({
    outcome: 'refuse',
    refusal,
    message,
  });
  if (history.length === 0) return refuse('unknown_request', `request ${requestId} is not in the ledger`);
  const ended = history.find((e) => FINAL_STATES.has(e.state))?.state;
  if (ended) return refuse('ended', `request ${requestId} has ended (${ended})`);
  const lifecycle = lifecycleOf(history);
  const last = lifecycle.at(-1)?.state;
  if (last === 'approved') {
    const approved = lifecycle.at(-1)?.detail;
    return refuse(
      'already_approved',
      `request ${requestId} was approved already (plan ${short(approved?.planHash)}, by ${String(approved?.approver ?? '?')})`,
    );
  }
  if (last !== 'awaiting_approval')
    return refuse(
      'not_awaiting_approval',
      `request ${requestId} is not awaiting approval (current state: ${last ?? 'none'})`,
    );
  const waiting = lifecycle.at(-1) as LedgerEntry;
  const planHash = waiting.detail?.planHash;
  if (typeof planHash !== 'string' || !/^[0-9a-f]{64}$/.test(planHash))
    return refuse(
      'not_awaiting_approval',
      `request ${requestId} is awaiting approval, but its entry records no plan hash to approve`,
    );
  const earlier = history.filter((e) => e.state === ('approved' satisfies RequestState)).length;
  return {
    outcome: 'approve',
    entry: {
      requestId,
      state: 'approved',
      at: context.now.toISOString(),
      stage: earlier === 0 ? APPROVAL_STAGE : `${APPROVAL_STAGE}-${earlier + 1}`,
      traceId: context.traceId,
      detail: {
        approver: context.approver.user,
        approverRole: context.approver.role,
        planHash,
        ...(context.noteSha256 ? { noteSha256: context.noteSha256 } : {}),
      },
    },
  };
}

function short(hash: unknown): string {
  return typeof hash === 'string' ? `${hash.slice(0, 12)}…` : '?';
}
