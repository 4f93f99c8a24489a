import type { Logger } from '@aws-lambda-powertools/logger';
import type { PagerDutyClient } from '../../alerting/PagerDutyClient';
import type { Ledger } from '../../ledger/Ledger';
import { canTransition, FINAL_STATES, lifecycleOf } from '../../ledger/RequestState';
import { deadLetterKey, type PayloadStore } from '../../payload/PayloadStore';
import type { ComplianceMetrics } from '../../telemetry/ComplianceMetrics';
import { serializeError } from '../../telemetry/serializeError';
import { type DeadLetterEnvelope, readDeadLetterEnvelope } from '../DeadLetterEnvelope';
import { readLedgerMessage } from '../ForwardedLedger';
import type { DeadLetterInbox, InboxMessage, MessageQueue } from '../MessageQueue';
import { publishPendingCompletion } from '../PublishingLedger';
import { parseStageMessage } from '../StageMessage';

/** The code of a dead letter that SQS's redrive policy moved: the handler failed before it could classify. */
export const HANDLER_CRASHED = 'HANDLER_CRASHED';

/** A stage's dead-letter queue, and the receive limit of the redrive policy that feeds it. */
export interface DeadLetterSource {
  readonly stage: string;
  readonly deadLetterUrl: string;
  readonly maxReceiveCount: number;
}

export interface DeadLetterRecorderDeps {
  readonly sources: readonly DeadLetterSource[];
  readonly inbox: DeadLetterInbox;
  readonly queue: Pick<MessageQueue, 'sendToDeadLetter'>;
  readonly payloads: PayloadStore;
  readonly ledger: Ledger;
  readonly metrics: Pick<ComplianceMetrics, 'silentDeadLetter'>;
  readonly pagerDuty?: Pick<PagerDutyClient, 'trigger'>;
  readonly logger: Logger;
  /** The keyed subject hash of an intake body, when this function can compute it. */
  readonly subjectHashOfIntake?: (body: string) => string | undefined;
  readonly now?: () => Date;
  /** How long a received message stays hidden while a run works on it. @default 120 */
  readonly visibilitySeconds?: number;
}

export interface DeadLetterRecorderOutcome {
  /** Raw bodies found and recorded (enveloped, ledger entry, metric, page). */
  readonly recorded: number;
  /** Envelopes the pipeline wrote itself, left in place. */
  readonly enveloped: number;
  readonly failed: number;
}

/**
 * Makes every dead letter visible: a message that SQS's redrive policy moved to a dead-letter
 * queue (the handler crashed, ran out of memory or time before it could classify the failure)
 * carries no envelope, no log line and no ledger entry. Run on a schedule, this reads each
 * dead-letter queue; for every raw body it puts the body in the encrypted bucket, sends the
 * queue an envelope in its place (code `HANDLER_CRASHED`, so a redrive works as for any other dead
 * letter), appends a `dead_lettered` ledger entry with the stage, receive count and subject hash
 * (never the body), emits the `SilentDeadLetter` metric and pages, then deletes the raw message.
 * The pipeline's own envelopes are made visible again untouched.
 */
export async function recordDeadLetters(deps: DeadLetterRecorderDeps): Promise<DeadLetterRecorderOutcome> {
  const now = deps.now ?? (() => new Date());
  let recorded = 0;
  let enveloped = 0;
  let failed = 0;
  // Envelopes this run sends are received again by its own loop: recognised by their object key.
  const written = new Set<string>();
  for (const source of deps.sources) {
    const held: InboxMessage[] = [];
    try {
      for (;;) {
        const batch = await deps.inbox.receive(source.deadLetterUrl, deps.visibilitySeconds ?? 120);
        if (batch.length === 0) break;
        for (const message of batch) {
          const envelope = readDeadLetterEnvelope(message.body);
          if (envelope) {
            held.push(message);
            if (!written.has(envelope.original.key)) enveloped += 1;
            continue;
          }
          try {
            written.add(await recordOne(deps, source, message, now()));
            recorded += 1;
          } catch (error) {
            failed += 1;
            deps.logger.error('recording a dead letter failed', {
              stage: source.stage,
              messageId: message.messageId,
              error: serializeError(error),
            });
          }
        }
      }
    } finally {
      for (const message of held)
        await deps.inbox.release(source.deadLetterUrl, message.receiptHandle).catch(() => undefined);
    }
  }
  deps.logger.info('dead letters recorded', { stage: 'dead-letter-recorder', recorded, enveloped, failed });
  return { recorded, enveloped, failed };
}

async function recordOne(
  deps: DeadLetterRecorderDeps,
  source: DeadLetterSource,
  message: InboxMessage,
  at: Date,
): Promise<string> {
  const named = identify(deps, message.body);
  const { requestId, traceId } = named;
  const history = requestId ? await deps.ledger.history(requestId) : [];
  await publishPendingCompletion(deps.ledger, history);
  // An intake body this function cannot hash may still be known to the ledger.
  const known = history.find((e) => e.state === 'received')?.detail?.subjectHash;
  const subjectHash = named.subjectHash ?? (typeof known === 'string' ? known : undefined);
  const original = await deps.payloads.put(deadLetterKey(message.messageId, at), message.body, {
    stage: source.stage,
    code: HANDLER_CRASHED,
    ...(requestId ? { 'request-id': requestId } : {}),
    ...(subjectHash ? { 'subject-hash': subjectHash } : {}),
  });
  const envelope: DeadLetterEnvelope = {
    kind: 'dsr.deadLetter',
    version: 1,
    original,
    stage: source.stage,
    errorClass: 'unknown',
    code: HANDLER_CRASHED,
    reason: 'moved_by_redrive_policy',
    attempt: source.maxReceiveCount,
    traceId: traceId ?? message.messageId,
    ...(requestId ? { requestId } : {}),
    ...(subjectHash ? { subjectHash } : {}),
    failedAt: at.toISOString(),
  };
  await deps.queue.sendToDeadLetter(source.deadLetterUrl, JSON.stringify(envelope), {
    stage: source.stage,
    errorClass: 'unknown',
    code: HANDLER_CRASHED,
    reason: 'moved_by_redrive_policy',
    attempt: String(source.maxReceiveCount),
    traceId: envelope.traceId,
    ...(requestId ? { requestId } : {}),
    ...(subjectHash ? { subjectHash } : {}),
  });
  if (requestId) {
    const last = lifecycleOf(history).at(-1)?.state;
    // A request already loaded or quarantined keeps its final state as its last word.
    if (
      !history.some((e) => FINAL_STATES.has(e.state)) &&
      (last === undefined || canTransition(last, 'dead_lettered'))
    )
      await deps.ledger.append({
        requestId,
        state: 'dead_lettered',
        at: at.toISOString(),
        stage: source.stage,
        traceId: envelope.traceId,
        detail: {
          code: HANDLER_CRASHED,
          receiveCount: source.maxReceiveCount,
          ...(subjectHash ? { subjectHash } : {}),
        },
      });
  }
  deps.metrics.silentDeadLetter({
    stage: source.stage,
    ...(requestId ? { requestId } : {}),
    ...(subjectHash ? { subjectHash } : {}),
  });
  await deps.pagerDuty?.trigger({
    requestId: requestId ?? message.messageId,
    kind: 'silent_dead_letter',
    summary: `dsr-bridge: ${source.stage} failed ${source.maxReceiveCount} times without classifying the failure; a message was dead-lettered by the queue`,
    severity: 'error',
    customDetails: {
      stage: source.stage,
      receiveCount: source.maxReceiveCount,
      ...(subjectHash ? { subjectHash } : {}),
      deadLetterKey: original.key,
    },
  });
  await deps.inbox.delete(source.deadLetterUrl, message.receiptHandle);
  deps.logger.error('dead letter without an envelope recorded', {
    stage: source.stage,
    messageId: message.messageId,
    ...(requestId ? { requestId } : {}),
    ...(subjectHash ? { subjectHash } : {}),
    code: HANDLER_CRASHED,
    receiveCount: source.maxReceiveCount,
    deadLetterKey: original.key,
  });
  return original.key;
}

/** The request id, subject hash and trace id a body names, read without trusting it further. */
function identify(
  deps: DeadLetterRecorderDeps,
  body: string,
): { requestId?: string; subjectHash?: string; traceId?: string } {
  try {
    const message = parseStageMessage(body);
    return { requestId: message.requestId, subjectHash: message.subjectHash, traceId: message.traceId };
  } catch {
    // not a stage message
  }
  const entries = readLedgerMessage(body);
  if (entries?.[0]) return { requestId: entries[0].requestId, traceId: entries[0].traceId };
  let requestId: string | undefined;
  try {
    const raw = JSON.parse(body) as { requestId?: unknown };
    if (typeof raw.requestId === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(raw.requestId))
      requestId = raw.requestId;
  } catch {
    return {};
  }
  let subjectHash: string | undefined;
  try {
    subjectHash = deps.subjectHashOfIntake?.(body);
  } catch {
    subjectHash = undefined;
  }
  return { ...(requestId ? { requestId } : {}), ...(subjectHash ? { subjectHash } : {}) };
}
