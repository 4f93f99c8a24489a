import type { Ledger, LedgerEntry } from '../ledger/Ledger';
import { lifecycleOf } from '../ledger/RequestState';
import { buildCompletionEvent } from './buildCompletionEvent';
import type { CompletionEvent } from './CompletionEvent';
import type { CompletionPublisher } from './CompletionPublisher';

export interface PublishingLedgerOptions {
  /** The payload bucket, for the package location the event names. */
  readonly packageBucket: string;
  /** Stamps the `completion_published` entries. @default the system clock */
  readonly now?: () => Date;
}

/**
 * A ledger that publishes a completion event once a terminal state is appended (see
 * {@link buildCompletionEvent}) and then records that it did: a `completion_published` annotation
 * (stage `completion-<state>`, detail `{eventId, state}`). The event follows the append, so it never
 * announces a state the ledger does not hold. A failed publish fails the record (its error reaches
 * the stage's failure handling); the retry finds the terminal state without its annotation and
 * publishes again ({@link publishPending}, which every stage that writes terminal states calls on
 * the history it reads first). Delivery is therefore at least once: a publish whose annotation did
 * not land, or two deliveries at once, publish the same event (the same `eventId`) twice, and
 * subscribers drop repeats by it.
 */
export class PublishingLedger implements Ledger {
  private readonly now: () => Date;

  constructor(
    private readonly ledger: Ledger,
    private readonly publisher: CompletionPublisher,
    private readonly options: PublishingLedgerOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

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

  /**
   * Publishes the event of the request's terminal state when `history` (as the caller read it)
   * holds that state as its last step but no record that its event was published; returns whether
   * it published. Nothing to do for a request still under way.
   */
  async publishPending(history: readonly LedgerEntry[]): Promise<boolean> {
    const last = lifecycleOf(history).at(-1);
    if (!last) return false;
    const event = buildCompletionEvent(last, history, this.options);
    if (!event || publishedIn(history, event)) return false;
    await this.publishAndRecord(last, event);
    return true;
  }

  private async publishFor(entries: readonly LedgerEntry[]): Promise<void> {
    for (const entry of entries) {
      if (buildCompletionEvent(entry, [], this.options) === undefined) continue;
      const event = buildCompletionEvent(entry, await this.ledger.history(entry.requestId), this.options);
      if (event) await this.publishAndRecord(entry, event);
    }
  }

  private async publishAndRecord(entry: LedgerEntry, event: CompletionEvent): Promise<void> {
    await this.publisher.publish(event);
    await this.ledger.append({
      requestId: entry.requestId,
      state: 'completion_published',
      at: this.now().toISOString(),
      // A stage name is lower-case words joined by hyphens: dead_lettered is recorded as completion-dead-lettered.
      stage: `completion-${entry.state.replaceAll('_', '-')}`,
      traceId: entry.traceId,
      detail: { eventId: event.eventId, state: event.state },
    });
  }
}

/** Whether the history records that this event was published. */
function publishedIn(history: readonly LedgerEntry[], event: CompletionEvent): boolean {
  return history.some((e) => e.state === 'completion_published' && e.detail?.eventId === event.eventId);
}

/**
 * What every stage that writes terminal states calls on the history it reads first: publishes a
 * terminal state's completion event that an earlier attempt recorded but did not get published
 * (see {@link PublishingLedger.publishPending}). A ledger without a publisher has nothing to publish.
 */
export async function publishPendingCompletion(
  ledger: Ledger,
  history: readonly LedgerEntry[],
): Promise<void> {
  if (ledger instanceof PublishingLedger) await ledger.publishPending(history);
}
