import type { Ledger, LedgerEntry } from '../ledger/Ledger';
import { buildCompletionEvent } from './buildCompletionEvent';
import type { CompletionPublisher } from './CompletionPublisher';

/**
 * A ledger that publishes a completion event once a terminal state is appended (see
 * {@link buildCompletionEvent}). The event follows the append, so it never announces a state the
 * ledger does not hold. A failed publish fails the record (its error reaches the stage's failure
 * handling); a stage whose retry finds the terminal state already recorded does not append it again,
 * so that event is not published again: intake systems reconcile with `dsr status` (see Known gaps).
 * A state appended twice (a duplicate delivery before the first completed) publishes twice: subscribers
 * drop repeats by `eventId`.
 */
export class PublishingLedger implements Ledger {
  constructor(
    private readonly ledger: Ledger,
    private readonly publisher: CompletionPublisher,
    private readonly options: { readonly packageBucket: string },
  ) {}

  async append(entry: LedgerEntry): Promise<void> {
    await this.ledger.append(entry);
    await this.publishFor([entry]);
  }

  async appendAll(entries: readonly LedgerEntry[]): Promise<void> {
    await this.ledger.appendAll(entries);
    await this.publishFor(entries);
  }

  history(requestId: string): Promise<readonly LedgerEntry[]> {
    return this.ledger.history(requestId);
  }

  private async publishFor(entries: readonly LedgerEntry[]): Promise<void> {
    for (const entry of entries) {
      if (buildCompletionEvent(entry, [], this.options) === undefined) continue;
      const event = buildCompletionEvent(entry, await this.ledger.history(entry.requestId), this.options);
      if (event) await this.publisher.publish(event);
    }
  }
}
