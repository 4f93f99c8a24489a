import type { DriftVerdict as GateVerdict } from '../../drift/DriftVerdict';
import type { DriftVerdict } from './gateStage';

/** The drift gate's verdict in the pipeline's terms: which tables drifted, how, and whether to halt. */
export function stageVerdictOf(verdict: GateVerdict): DriftVerdict {
  return {
    status:
      verdict.status === 'pass'
        ? 'COMPLIANT'
        : verdict.status === 'drifted'
          ? 'NON_COMPLIANT'
          : 'NOT_APPLICABLE',
    halt: verdict.halt,
    driftPercent: verdict.driftPercent,
    // Corrupting findings first: the first one names the violation in the metric and the page.
    findings: [...verdict.findings]
      .sort((a, b) => Number(b.corrupting) - Number(a.corrupting))
      .map((f) => ({
        driftType: f.kind,
        table: `postgres:${f.table}`,
        ...(f.column ? { column: f.column } : {}),
        errorCategory: f.corrupting ? 'data_corruption' : 'schema_drift',
      })),
  };
}
