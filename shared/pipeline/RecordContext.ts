import type { SqsRecord } from './sqsEvent';

/**
 * What the record processor knows about the record a stage is working on. The stage fills in the
 * request id, subject hash and the values to scrub as it learns them, so that a failure is
 * reported with them and without personal data.
 */
export interface RecordContext {
  readonly record: SqsRecord;
  /** `ApproximateReceiveCount`: 1 on the first delivery. */
  readonly attempt: number;
  traceId: string;
  requestId?: string;
  subjectHash?: string;
  /** Identifier values that must never appear in a log line or dead-letter record. */
  readonly scrub: Set<string>;
  /**
   * Milliseconds the invocation has left (Lambda's `context.getRemainingTimeInMillis`); absent
   * where there is no limit.
   */
  readonly remainingMs?: () => number;
}

/** The work a stage does for one record; throws to report a failure. */
export type StageWork = (body: string, context: RecordContext) => Promise<void>;

/** Adds each value, and its trimmed, lower-cased and digits-only forms, to the scrub list. */
export function addScrubValues(context: RecordContext, values: Iterable<string>): void {
  for (const value of values) {
    for (const form of [value, value.trim(), value.trim().toLowerCase(), value.replace(/[^0-9]/g, '')]) {
      if (form.length >= 3) context.scrub.add(form);
    }
  }
}

/** The only fields a pipeline log line carries about a record: ids, the trace and the subject hash. */
export function logFields(stage: string, context: RecordContext): Record<string, string | number> {
  return {
    stage,
    ...(context.requestId ? { requestId: context.requestId } : {}),
    traceId: context.traceId,
    ...(context.subjectHash ? { subjectHash: context.subjectHash } : {}),
    messageId: context.record.messageId,
    attempt: context.attempt,
  };
}
