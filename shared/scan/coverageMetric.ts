import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from '../telemetry/ComplianceMetrics';
import { SERVICE_NAME } from '../telemetry/createLogger';
import type { LogSink } from '../telemetry/LogSink';
import { stdoutSink } from '../telemetry/LogSink';
import type { ScanReport } from './ScanReport';

/** Share of PII-bearing columns the data map reaches, in percent (the alarm reads it). */
export const COVERAGE_METRIC = 'DataMapCoverage';
/** PII-bearing columns the data map does not reach. */
export const UNMAPPED_PII_METRIC = 'UnmappedPiiColumns';
/** Tables whose sample failed, so what they hold is unknown and the coverage is incomplete. */
export const TABLES_NOT_SCANNED_METRIC = 'TablesNotScanned';

/**
 * The coverage a scan measured, exactly: `reached / found × 100`, 100 when nothing was found.
 * The report's own figure is rounded to one decimal, which would let 94.96 % pass a 95 % bar.
 */
export function exactCoveragePercent(coverage: ScanReport['coverage']): number {
  return coverage.found === 0 ? 100 : (coverage.reached / coverage.found) * 100;
}

/**
 * Publishes a scan's coverage as one Embedded Metric Format line through Powertools Metrics:
 * `DataMapCoverage` (percent), `UnmappedPiiColumns` and `TablesNotScanned` (counts), in namespace
 * `DsrBridge` under the single dimension set `service=dsr-bridge`. The line holds counts only,
 * never a table, a column or a value.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export function emitCoverageMetric(
  report: Pick<ScanReport, 'coverage' | 'notScanned' | 'tablesScanned' | 'columnsScanned'>,
  options: { readonly sink?: LogSink; readonly now?: Date } = {},
): void {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  if (options.now) metrics.setTimestamp(options.now);
  const { coverage } = report;
  metrics.addMetric(COVERAGE_METRIC, MetricUnit.Percent, exactCoveragePercent(coverage));
  metrics.addMetric(UNMAPPED_PII_METRIC, MetricUnit.Count, coverage.found - coverage.reached);
  metrics.addMetric(TABLES_NOT_SCANNED_METRIC, MetricUnit.Count, report.notScanned.length);
  // Properties of the record, not metrics: they explain the figures when the line is read.
  metrics.addMetadata('piiColumnsFound', String(coverage.found));
  metrics.addMetadata('piiColumnsExcluded', String(coverage.excluded));
  metrics.addMetadata('tablesScanned', String(report.tablesScanned));
  metrics.addMetadata('columnsScanned', String(report.columnsScanned));
  (options.sink ?? stdoutSink)(JSON.stringify(metrics.serializeMetrics()));
}
