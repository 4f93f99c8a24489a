import { InvalidArgumentError } from '../errors/errors';
import type { MirrorComparison } from './compareMirror';
import type { DriftVerdict } from './DriftVerdict';

/** Drift above this share of compared columns halts the pipeline. */
export const DEFAULT_DRIFT_THRESHOLD_PERCENT = 5;

/**
 * Turns per-table comparisons into the gate's verdict: `halt` when any finding is corrupting (at
 * any percentage) or when the drifted columns exceed `thresholdPercent` of the columns compared.
 */
export function evaluateDrift(
  comparisons: readonly { readonly table: string; readonly comparison: MirrorComparison }[],
  thresholdPercent: number = DEFAULT_DRIFT_THRESHOLD_PERCENT,
): DriftVerdict {
  if (!Number.isFinite(thresholdPercent) || thresholdPercent < 0 || thresholdPercent > 100)
    throw new InvalidArgumentError(
      `thresholdPercent must be between 0 and 100 inclusive (given ${thresholdPercent})`,
    );
  const tables = comparisons.map((c) => c.table);
  if (comparisons.length === 0)
    return { status: 'not_applicable', halt: false, findings: [], driftPercent: 0, thresholdPercent, tables };
  const findings = comparisons.flatMap((c) => c.comparison.findings);
  const columns = comparisons.reduce((n, c) => n + c.comparison.columns, 0);
  const drifted = comparisons.reduce((n, c) => n + c.comparison.driftedColumns, 0);
  // Two decimals are enough to read, and keep the value stable across runs.
  const driftPercent = columns === 0 ? 0 : Math.round((drifted / columns) * 10_000) / 100;
  const halt = findings.some((f) => f.corrupting) || driftPercent > thresholdPercent;
  return {
    status: findings.length === 0 ? 'pass' : 'drifted',
    halt,
    findings,
    driftPercent,
    thresholdPercent,
    tables,
  };
}
