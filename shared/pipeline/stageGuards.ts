import { MalformedRequestError } from '../intake/MalformedRequestError';
import type { LedgerEntry } from '../ledger/Ledger';
import { logFields, type RecordContext } from './RecordContext';
import type { StageDeps } from './stages/StageDeps';

/**
 * Whether the request was cancelled; if so, logs that no further work is done. Every stage asks
 * this first: a cancelled request is acknowledged and goes no further.
 */
export function stopIfCancelled(
  history: readonly LedgerEntry[],
  logger: StageDeps['logger'],
  stage: string,
  context: RecordContext,
): boolean {
  if (!history.some((e) => e.state === 'cancelled')) return false;
  logger.info('request cancelled: no further work', logFields(stage, context));
  return true;
}

/**
 * Refuses a request id that the ledger received before for a different subject: two people's data
 * must never be merged, nor one of them silently dropped as a "duplicate".
 */
export function assertSameSubject(history: readonly LedgerEntry[], subjectHash: string): void {
  const known = history.find((e) => e.state === 'received' && e.detail?.subjectHash !== undefined);
  if (known && known.detail?.subjectHash !== subjectHash) {
    throw new MalformedRequestError(
      'conflicting_request',
      'this request id was received before for a different subject; resend with a new request id',
    );
  }
}
