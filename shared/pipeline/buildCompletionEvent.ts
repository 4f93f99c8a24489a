import { createHash } from 'node:crypto';
import type { LedgerEntry } from '../ledger/Ledger';
import { type CompletionEvent, completionEventSchema } from './CompletionEvent';

/** The terminal states an event is published for. */
const COMPLETED: ReadonlySet<string> = new Set([
  'loaded',
  'erased',
  'erasure_unverified',
  'quarantined',
  'cancelled',
  'dead_lettered',
]);

/** Whether a state is one a completion event is published for. */
export function isCompletionState(state: string): boolean {
  return COMPLETED.has(state);
}

/** The event's id: the same for every publish of one request's terminal state, so repeats can be dropped. */
export function completionEventId(requestId: string, state: string): string {
  return createHash('sha256').update(`${requestId}\u0000${state}`).digest('hex');
}

/** Where a request's package is written in the payload bucket. */
export function packageLocation(bucket: string, requestId: string): string {
  return `s3://${bucket}/packages/${requestId}/`;
}

/**
 * The completion event for a ledger entry, or undefined when the entry is not a terminal state.
 * Only named fields of the entry and of the request's `received` entry are copied (codes, counts,
 * hashes), never the entry's detail as a whole, so nothing about the subject (not even the subject
 * hash) can travel in it. The result is checked with the schema.
 */
export function buildCompletionEvent(
  entry: LedgerEntry,
  history: readonly LedgerEntry[],
  options: { readonly packageBucket: string },
): CompletionEvent | undefined {
  if (!COMPLETED.has(entry.state)) return undefined;
  const received = history.find((e) => e.state === 'received')?.detail ?? {};
  const detail = entry.detail ?? {};
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const hash = (value: unknown) =>
    typeof value === 'string' && /^[0-9a-f]{64}$/.test(value) ? value : undefined;
  const type = received.type === 'erasure' ? 'erasure' : 'access';
  const answered =
    entry.state === 'loaded' || entry.state === 'erased' || entry.state === 'erasure_unverified';
  const reason =
    text(detail.reasonCode) ?? text(detail.driftType) ?? text(detail.errorCode) ?? text(detail.reason);
  const event = {
    kind: 'dsr.request-completed',
    version: 1,
    eventId: completionEventId(entry.requestId, entry.state),
    requestId: entry.requestId,
    type,
    state: entry.state,
    final: entry.state !== 'dead_lettered',
    at: entry.at,
    ...(text(received.jurisdiction) ? { jurisdiction: text(received.jurisdiction) } : {}),
    ...(reason && /^[a-z0-9_:.-]{1,64}$/.test(reason) ? { reason } : {}),
    ...(answered ? { packageLocation: packageLocation(options.packageBucket, entry.requestId) } : {}),
    ...(hash(detail.evidenceHash) ? { evidenceHash: hash(detail.evidenceHash) } : {}),
    ...(hash(detail.receiptHash) ? { receiptHash: hash(detail.receiptHash) } : {}),
    ...(typeof detail.rows === 'number' ? { rows: detail.rows } : {}),
  };
  return completionEventSchema.parse(event);
}
