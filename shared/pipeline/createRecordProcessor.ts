import { randomUUID } from 'node:crypto';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { failureKindOf } from '../errors/DsrError';
import { MalformedRequestError } from '../intake/MalformedRequestError';
import type { Ledger } from '../ledger/Ledger';
import { deadLetterKey, type PayloadStore } from '../payload/PayloadStore';
import { type BackoffOptions, backoffSeconds } from '../resilience/backoff';
import { DependencyUnavailableError } from '../resilience/DependencyUnavailableError';
import type { ComplianceMetrics } from '../telemetry/ComplianceMetrics';
import { serializeError } from '../telemetry/serializeError';
import { type DeadLetterEnvelope, readDeadLetterEnvelope } from './DeadLetterEnvelope';
import { PayloadMissingError } from './errors';
import type { MessageQueue } from './MessageQueue';
import { logFields, type RecordContext, type StageWork } from './RecordContext';
import { RequestLedger } from './RequestLedger';
import type { InvocationContext, SqsBatchHandler, SqsEvent, SqsRecord } from './sqsEvent';

export interface RecordProcessorOptions {
  /** The stage name in logs, ledger entries and dead-letter metadata. */
  readonly stage: string;
  /** Where permanent failures go (this stage's source queue's dead-letter queue). */
  readonly deadLetterQueueUrl: string;
  readonly queue: MessageQueue;
  readonly payloads: PayloadStore;
  readonly ledger: Ledger;
  readonly logger: Logger;
  readonly backoff?: BackoffOptions;
  /**
   * From this receive on, a retryable failure is dead-lettered here, with its metadata, rather than
   * left for the queue's redrive policy (which would move the raw body). Keep it at the queue's
   * `maxReceiveCount`. @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Receives an internal error (a bug, an unclassified throw, a value the code cannot handle) is
   * given before it is dead-lettered as `INTERNAL_ERROR`: enough to ride out a race, not enough to
   * keep a poison request cycling. @default 3 (never more than `maxReceiveCount`)
   */
  readonly maxInternalAttempts?: number;
  /** Where the `InternalError` metric goes (the alarm reads it). */
  readonly metrics?: Pick<ComplianceMetrics, 'internalError'>;
  readonly now?: () => Date;
}

/**
 * Builds the Lambda handler of a stage over Powertools' `BatchProcessor`: each record is worked
 * on its own, and the response lists only the records to retry, so one bad record never fails its
 * batch. https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 *
 * - success → acknowledged;
 * How a failure is treated is decided by `failureKindOf` alone (the README's failure table):
 * - permanent failure (non-retryable error, malformed input), or retryable at the last receive →
 *   the original body goes to the payload bucket and an envelope with the failure metadata (stage,
 *   error class, code, attempt, trace id, subject hash) to the dead-letter queue; the record is
 *   acknowledged and the ledger says `dead_lettered`;
 * - retryable failure (including an open circuit) → the message's visibility is set to a full-jitter
 *   exponential backoff from its receive count and the record is reported as a batch item failure;
 * - internal error (a bug, an unclassified throw) → retried with the same backoff up to
 *   `maxInternalAttempts` receives, then dead-lettered as `INTERNAL_ERROR` with its class and stack
 *   fingerprint, and the `InternalError` metric is emitted for the alarm. It never counts towards a
 *   circuit breaker (see `DependencyBreakers`).
 */
export function createRecordProcessor(options: RecordProcessorOptions, work: StageWork): SqsBatchHandler {
  const processor = new BatchProcessor(EventType.SQS);
  const ledger = new RequestLedger(options.ledger, options.stage, options.now);
  const now = options.now ?? (() => new Date());
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const maxInternalAttempts = Math.min(options.maxInternalAttempts ?? 3, maxReceiveCount);
  const { logger, stage } = options;

  const handleRecord = async (record: SqsRecord, invocation?: InvocationContext): Promise<void> => {
    const context: RecordContext = {
      record,
      attempt: Number(record.attributes.ApproximateReceiveCount) || 1,
      traceId: record.messageAttributes?.traceId?.stringValue ?? randomUUID(),
      scrub: new Set(),
      ...(invocation ? { remainingMs: () => invocation.getRemainingTimeInMillis() } : {}),
    };
    let body = record.body;
    try {
      const envelope = readDeadLetterEnvelope(body);
      if (envelope) body = await unwrap(envelope, context);
      await work(body, context);
    } catch (error) {
      const kind = failureKindOf(error);
      const limit = kind === 'internal' ? maxInternalAttempts : maxReceiveCount;
      if (kind === 'permanent' || context.attempt >= limit) {
        await deadLetter(body, error, context);
        return;
      }
      await retryLater(error, context);
      throw error;
    }
  };

  const unwrap = async (envelope: DeadLetterEnvelope, context: RecordContext): Promise<string> => {
    context.traceId = envelope.traceId;
    if (envelope.requestId) context.requestId = envelope.requestId;
    if (envelope.subjectHash) context.subjectHash = envelope.subjectHash;
    const stored = await options.payloads.get(envelope.original);
    if (!stored) throw new PayloadMissingError(`dead-lettered body missing: ${envelope.original.key}`);
    logger.info('redriven message', logFields(stage, context));
    return stored.body;
  };

  const deadLetter = async (body: string, error: unknown, context: RecordContext): Promise<void> => {
    const failure = serializeError(error, context.scrub);
    const at = now();
    const original = await options.payloads.put(deadLetterKey(context.record.messageId, at), body, {
      stage,
      code: failure.code,
      ...(context.requestId ? { 'request-id': context.requestId } : {}),
      ...(context.subjectHash ? { 'subject-hash': context.subjectHash } : {}),
    });
    const reason = error instanceof MalformedRequestError ? error.reason : undefined;
    const fingerprint: { fingerprint?: string } = failure.fingerprint
      ? { fingerprint: failure.fingerprint }
      : {};
    const envelope: DeadLetterEnvelope = {
      kind: 'dsr.deadLetter',
      version: 1,
      original,
      stage,
      errorClass: failure.errorClass,
      code: failure.code,
      ...(reason ? { reason } : {}),
      ...fingerprint,
      attempt: context.attempt,
      traceId: context.traceId,
      ...(context.requestId ? { requestId: context.requestId } : {}),
      ...(context.subjectHash ? { subjectHash: context.subjectHash } : {}),
      failedAt: at.toISOString(),
    };
    await options.queue.sendToDeadLetter(options.deadLetterQueueUrl, JSON.stringify(envelope), {
      stage,
      errorClass: failure.errorClass,
      code: failure.code,
      retryable: String(failure.retryable),
      attempt: String(context.attempt),
      traceId: context.traceId,
      ...(reason ? { reason } : {}),
      ...(failure.fingerprint ? { fingerprint: failure.fingerprint } : {}),
      ...(context.requestId ? { requestId: context.requestId } : {}),
      ...(context.subjectHash ? { subjectHash: context.subjectHash } : {}),
    });
    if (context.requestId) {
      await bestEffort('ledger dead_lettered', context, () =>
        ledger.transitionIfAllowed(context.requestId ?? '', context.traceId, 'dead_lettered', {
          code: failure.code,
          attempt: context.attempt,
          ...(failure.kind === 'internal' && failure.fingerprint
            ? { errorClass: failure.errorClass, fingerprint: failure.fingerprint }
            : {}),
        }),
      );
    }
    if (failure.kind === 'internal' && failure.fingerprint) {
      options.metrics?.internalError({
        stage,
        errorClass: failure.errorClass,
        fingerprint: failure.fingerprint,
        ...(context.requestId ? { requestId: context.requestId } : {}),
        ...(context.subjectHash ? { subjectHash: context.subjectHash } : {}),
      });
    }
    logger.error('dead-lettered', {
      ...logFields(stage, context),
      error: failure,
      ...(reason ? { reason } : {}),
    });
  };

  const retryLater = async (error: unknown, context: RecordContext): Promise<void> => {
    const failure = serializeError(error, context.scrub);
    // An open circuit would refuse the record again until it half-opens: wait at least that long.
    const seconds = Math.max(
      backoffSeconds(context.attempt, options.backoff),
      error instanceof DependencyUnavailableError ? Math.ceil(error.retryAfterMs / 1000) : 0,
    );
    await bestEffort('change visibility', context, () =>
      options.queue.changeVisibility(context.record.eventSourceARN, context.record.receiptHandle, seconds),
    );
    if (context.requestId) {
      await bestEffort('ledger retrying', context, () =>
        ledger.transitionIfAllowed(context.requestId ?? '', context.traceId, 'retrying', {
          code: failure.code,
          attempt: context.attempt,
        }),
      );
    }
    logger.warn('will retry', { ...logFields(stage, context), error: failure, retryInSeconds: seconds });
  };

  const bestEffort = async (what: string, context: RecordContext, call: () => Promise<unknown>) => {
    try {
      await call();
    } catch (error) {
      logger.warn(`${what} failed`, {
        ...logFields(stage, context),
        error: serializeError(error, context.scrub),
      });
    }
  };

  return (event: SqsEvent, invocation?: InvocationContext) =>
    processPartialResponse(event, (record: SqsRecord) => handleRecord(record, invocation), processor, {
      throwOnFullBatchFailure: false,
    }) as ReturnType<SqsBatchHandler>;
}
