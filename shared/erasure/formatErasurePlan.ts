import { describeSharedRows } from './describeSharedRows';
import type { ErasurePlan } from './ErasurePlan';
import { type ErasureProblem, formatErasureProblems } from './ErasureProblem';

/**
 * The plan as an operator reads it before approving or running it: per table, in execution order,
 * rows to delete, columns to mask, rows retained and why (shared rows included), tables without a rule. Keys and counts
 * only, never row values.
 */
export function formatErasurePlan(plan: ErasurePlan, problems: readonly ErasureProblem[] = []): string {
  const lines = [
    `erasure plan for request ${plan.requestId} (subject ${plan.subject.hash.slice(0, 12)}…), plan sha256 ${plan.planHash}`,
  ];
  plan.tables.forEach((t, i) => {
    const excluded = t.excluded ? `, ${t.excluded} found row(s) not the subject's (left alone)` : '';
    const approval = t.approvalRequired ? ' [approval required]' : '';
    const what =
      t.action === 'delete'
        ? `delete ${t.rows.length} row(s)`
        : t.action === 'mask'
          ? `mask ${(t.mask ?? []).map((m) => `${m.column} (${m.strategy})`).join(', ')} in ${t.rows.length} row(s)${t.party ? ` shared with other people: the ${t.party} columns only, where the subject is the ${t.party}` : ''}`
          : t.action === 'retain'
            ? `retain ${t.found} row(s): ${t.retain?.ground}${t.retain?.until ? ` (until ${t.retain.until})` : ''}`
            : `no erasure rule: ${t.found} row(s) left untouched`;
    const shared = t.shared
      ? `; ${describeSharedRows({ ...t.shared, retained: t.shared.retained.length })}`
      : '';
    lines.push(`  ${i + 1}. ${t.system} ${t.table}: ${what}${shared}${excluded}${approval}`);
  });
  if (problems.length > 0) lines.push('the plan cannot run:', formatErasureProblems(problems));
  return `${lines.join('\n')}\n`;
}
