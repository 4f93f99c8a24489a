import { type ErasurePlan, rowsToChange } from './ErasurePlan';

/** When an erasure plan must wait for an operator's approval. */
export interface ApprovalPolicy {
  /** Plans changing more rows than this wait. */
  readonly maxRowsWithoutApproval: number;
}

export type ApprovalDecision =
  | { readonly required: false }
  | {
      readonly required: true;
      readonly reasons: readonly (
        | { readonly code: 'BLAST_RADIUS'; readonly rows: number; readonly limit: number }
        | { readonly code: 'TABLE_REQUIRES_APPROVAL'; readonly system: string; readonly table: string }
      )[];
    };

/**
 * Whether a plan waits for approval: above the policy's number of rows changed, or touching (deleting
 * or masking rows of) a table the data map marks `approval: required`. A decision, not an action: the
 * erase stage waits in `awaiting_approval` for `dsr approve` when it says so.
 */
export function needsApproval(plan: ErasurePlan, policy: ApprovalPolicy): ApprovalDecision {
  const rows = rowsToChange(plan);
  const reasons: Extract<ApprovalDecision, { required: true }>['reasons'][number][] = [];
  if (rows > policy.maxRowsWithoutApproval)
    reasons.push({ code: 'BLAST_RADIUS', rows, limit: policy.maxRowsWithoutApproval });
  for (const t of plan.tables)
    if (t.approvalRequired && (t.action === 'delete' || t.action === 'mask') && t.rows.length > 0)
      reasons.push({ code: 'TABLE_REQUIRES_APPROVAL', system: t.system, table: t.table });
  return reasons.length > 0 ? { required: true, reasons } : { required: false };
}
