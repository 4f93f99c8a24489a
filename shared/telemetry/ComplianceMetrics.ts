import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SERVICE_NAME } from './createLogger';
import type { LogSink } from './LogSink';
import { stdoutSink } from './LogSink';

export const METRICS_NAMESPACE = 'DsrBridge';
export const GATE_VIOLATION_METRIC = 'ComplianceGateViolation';
/** A record dead-lettered as `INTERNAL_ERROR` (a bug or a value the code cannot handle). */
export const INTERNAL_ERROR_METRIC = 'InternalError';

/** A message SQS moved to a dead-letter queue without the pipeline's envelope (a handler crashed). */
export const SILENT_DEAD_LETTER_METRIC = 'SilentDeadLetter';

/** Open requests by days left to their deadline, emitted by the deadline check. */
export const OPEN_REQUESTS_METRIC = 'OpenRequests';
/** Erasure requests waiting for `dsr approve`, emitted by the hourly deadline check. */
export const AWAITING_APPROVAL_METRIC = 'AwaitingApproval';

export interface SilentDeadLetterMetric {
  readonly stage: string;
  readonly requestId?: string;
  readonly subjectHash?: string;
}

export interface InternalErrorMetric {
  readonly stage: string;
  readonly errorClass: string;
  /** Stack fingerprint: a property (a defect's identity), not a dimension. */
  readonly fingerprint: string;
  readonly requestId?: string;
  readonly subjectHash?: string;
}

export interface GateViolationMetric {
  /** e.g. `column_added`, `table_missing`. */
  readonly driftType: string;
  /** e.g. `schema_drift`, `row_count_mismatch`. */
  readonly errorCategory: string;
  readonly requestId: string;
  /** A property of the record, never a dimension (unbounded cardinality). */
  readonly subjectHash: string;
}

/**
 * The pipeline's CloudWatch metrics, as Embedded Metric Format lines through Powertools Metrics.
 * Each violation is published under two dimension sets: `service` alone (what the
 * ComplianceGateViolation alarm reads) and `service, driftType, errorCategory` (for the dashboard).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export class ComplianceMetrics {
  private readonly metrics: Metrics;

  constructor(private readonly sink: LogSink = stdoutSink) {
    this.metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  }

  gateViolation(violation: GateViolationMetric): void {
    this.metrics.addDimensions({ driftType: violation.driftType, errorCategory: violation.errorCategory });
    this.metrics.addMetadata('requestId', violation.requestId);
    this.metrics.addMetadata('subjectHash', violation.subjectHash);
    this.metrics.addMetric(GATE_VIOLATION_METRIC, MetricUnit.Count, 1);
    this.flush();
  }

  /**
   * One record dead-lettered as `INTERNAL_ERROR`: under `service` (what the alarm reads) and
   * `service, stage, errorClass`.
   */
  internalError(failure: InternalErrorMetric): void {
    this.metrics.addDimensions({ stage: failure.stage, errorClass: failure.errorClass });
    this.metrics.addMetadata('fingerprint', failure.fingerprint);
    if (failure.requestId) this.metrics.addMetadata('requestId', failure.requestId);
    if (failure.subjectHash) this.metrics.addMetadata('subjectHash', failure.subjectHash);
    this.metrics.addMetric(INTERNAL_ERROR_METRIC, MetricUnit.Count, 1);
    this.flush();
  }

  /** One dead letter that SQS's redrive policy moved: under `service` and `service, stage`. */
  silentDeadLetter(letter: SilentDeadLetterMetric): void {
    this.metrics.addDimensions({ stage: letter.stage });
    if (letter.requestId) this.metrics.addMetadata('requestId', letter.requestId);
    if (letter.subjectHash) this.metrics.addMetadata('subjectHash', letter.subjectHash);
    this.metrics.addMetric(SILENT_DEAD_LETTER_METRIC, MetricUnit.Count, 1);
    this.flush();
  }

  /**
   * Requests waiting for approval (`waiting`), and of them those waiting longer than the alarm
   * allows (`overdue`): under `service`, dimension `wait`.
   */
  awaitingApproval(counts: { readonly waiting: number; readonly overdue: number }): void {
    for (const [wait, count] of Object.entries(counts)) {
      this.metrics.addDimensions({ wait });
      this.metrics.addMetric(AWAITING_APPROVAL_METRIC, MetricUnit.Count, count);
      this.flush();
    }
  }

  /** Open requests per days-left bucket (dimension `daysLeft`), every bucket, zeros included. */
  openRequests(byDaysLeft: Readonly<Record<string, number>>): void {
    for (const [daysLeft, count] of Object.entries(byDaysLeft)) {
      this.metrics.addDimensions({ daysLeft });
      this.metrics.addMetric(OPEN_REQUESTS_METRIC, MetricUnit.Count, count);
      this.flush();
    }
  }

  private flush(): void {
    try {
      const emf = this.metrics.serializeMetrics();
      for (const directive of emf._aws.CloudWatchMetrics) {
        // Powertools lists only the set with the added dimensions; add the aggregate one.
        if (!directive.Dimensions.some((set) => set.length === 1 && set[0] === 'service')) {
          directive.Dimensions.unshift(['service']);
        }
      }
      this.sink(JSON.stringify(emf));
    } finally {
      this.metrics.clearMetrics();
      this.metrics.clearDimensions();
      this.metrics.clearMetadata();
    }
  }
}
