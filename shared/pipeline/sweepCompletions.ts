import type { Ledger } from '../ledger/Ledger';
import { PublishingLedger } from './PublishingLedger';
import { type CompletionSweepWindow, type SweptEntry, unannouncedRequests } from './unannouncedRequests';

/** What a sweep did: request ids only. */
export interface CompletionSweepOutcome {
  /** Requests whose completion event this sweep published (and recorded). */
  readonly announced: readonly string[];
  /** The request whose publish failed, which ended the sweep; the next sweep tries it again. */
  readonly failed?: string;
  /** Why it failed (the publisher's or the ledger's typed error; it names no subject). */
  readonly error?: unknown;
}

/**
 * Announces every terminal request that {@link unannouncedRequests} finds in `entries`: each
 * request's history is read again just before, and published through the same
 * `PublishingLedger.publishPending` the stages call, so the event is the one a stage would have
 * published (the same `eventId`) and the `completion_published` annotation follows it. A request
 * a stage announced meanwhile is skipped. The first failure ends the sweep (a topic that refuses one
 * publish refuses the next), and the next sweep starts again from the oldest. A ledger without a
 * publisher has nothing to announce.
 */
export async function sweepCompletions(
  ledger: Ledger,
  entries: readonly SweptEntry[],
  window: CompletionSweepWindow,
): Promise<CompletionSweepOutcome> {
  if (!(ledger instanceof PublishingLedger)) return { announced: [] };
  const announced: string[] = [];
  for (const requestId of unannouncedRequests(entries, window)) {
    try {
      if (await ledger.publishPending(await ledger.history(requestId))) announced.push(requestId);
    } catch (error) {
      return { announced, failed: requestId, error };
    }
  }
  return { announced };
}
