import { type ErasurePlan, rowsToChange } from '../erasure/ErasurePlan';
import type { LedgerEntry } from '../ledger/Ledger';
import { FINAL_STATES, lifecycleOf, type RequestState } from '../ledger/RequestState';
import type { Approver } from '../snowflake/readSessionIdentity';

/**
 * Approval of an erasure plan, in one place: whether a plan must wait for an operator
 * ({@link needsApproval}), what `dsr approve` records ({@link decideApproval}), and whether the
 * ledger holds an approval for the plan the erase stage would run ({@link approvalOfPlan}). An
 * approval is bound to a plan by its hash: a plan made again waits for its own.
 */

/** When an erasure plan must wait for an operator's approval. */
export interface ApprovalPolicy {
  /** Plans changing more rows than this wait. */
  readonly maxRowsWithoutApproval: number;
}

/** Why a plan waits for approval. */
export type ApprovalReason =
  | { readonly code: 'BLAST_RADIUS'; readonly rows: number; readonly limit: number }
  | { readonly code: 'TABLE_REQUIRES_APPROVAL'; readonly system: string; readonly table: string };

/** Whether a plan waits for approval, and why. */
export type ApprovalRequirement =
  | { readonly required: false }
  | { readonly required: true; readonly reasons: readonly ApprovalReason[] };

/**
 * Whether a plan waits for approval: above the policy's number of rows changed, or touching (deleting
 * or masking rows of) a table the data map marks `approval: required`. A decision, not an action: the
 * erase stage waits in `awaiting_approval` for `dsr approve` when it says so.
 */
export function needsApproval(plan: ErasurePlan, policy: ApprovalPolicy): ApprovalRequirement {
  const rows = rowsToChange(plan);
  const reasons: ApprovalReason[] = [];
  if (rows > policy.maxRowsWithoutApproval)
    reasons.push({ code: 'BLAST_RADIUS', rows, limit: policy.maxRowsWithoutApproval });
  for (const t of plan.tables)
    if (t.approvalRequired && (t.action === 'delete' || t.action === 'mask') && t.rows.length > 0)
      reasons.push({ code: 'TABLE_REQUIRES_APPROVAL', system: t.system, table: t.table });
  return reasons.length > 0 ? { required: true, reasons } : { required: false };
}

/**
 * The approval the ledger holds for a plan: `approved` when the latest `approved` entry names this
 * plan's hash and no wait for approval came after it (a plan made again and sent back to wait spends
 * the older approval); `approvedPlanHash` is the hash the latest approval names (`''` if none).
 */
export function approvalOfPlan(
  history: readonly LedgerEntry[],
  planHash: string,
): { readonly approved: boolean; readonly approvedPlanHash: string } {
  const life = lifecycleOf(history);
  const approved = life.filter((e) => e.state === 'approved').at(-1);
  const approvedFor = approved?.detail?.planHash;
  const waitingSince = life.filter((e) => e.state === 'awaiting_approval').at(-1);
  return {
    approved:
      approved !== undefined &&
      approvedFor === planHash &&
      (waitingSince === undefined || life.indexOf(approved) > life.indexOf(waitingSince)),
    approvedPlanHash: String(approvedFor ?? ''),
  };
}

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
