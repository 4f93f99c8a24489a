import type { Ledger, LedgerEntry } from '../ledger/Ledger';
import type { Approver } from '../snowflake/readSessionIdentity';
import { type ApprovalContext, type ApprovalDecision, decideApproval } from './approval';

/** An approval as applied: the decision, and for an approval the entry the ledger now holds. */
export type AppliedApproval =
  | Extract<ApprovalDecision, { outcome: 'refuse' }>
  | {
      readonly outcome: 'approve';
      readonly entry: LedgerEntry;
      /**
       * The entry the ledger holds for this (request, state, stage) after the append: the one
       * written, unless another operator's approval of the same plan landed first (the ledger keeps
       * the first), in which case that one.
       */
      readonly recorded: LedgerEntry;
    };

/**
 * Reads who the caller is (`identity`, from the session the ledger is written through) and the
 * request's ledger, decides the approval ({@link decideApproval}), appends the entry and reads it
 * back. A refusal appends nothing.
 */
export async function applyApproval(
  ledger: Ledger,
  identity: () => Promise<Approver>,
  context: Omit<ApprovalContext, 'approver'>,
): Promise<AppliedApproval> {
  const approver = await identity();
  const history = await ledger.history(context.requestId);
  const decision = decideApproval(history, { ...context, approver });
  if (decision.outcome === 'refuse') return decision;
  await ledger.append(decision.entry);
  const after = await ledger.history(context.requestId);
  const recorded =
    after.find((e) => e.state === decision.entry.state && e.stage === decision.entry.stage) ?? decision.entry;
  return { outcome: 'approve', entry: decision.entry, recorded };
}
