import { compareLedgerEntries } from '../ledger/Ledger';
import { lifecycleOf } from '../ledger/RequestState';
import { completionEventId, isCompletionState } from './buildCompletionEvent';

/** A ledger entry as the sweep reads it: any reading of `DSR_LEDGER` will do. */
export interface SweptEntry {
  readonly requestId: string;
  readonly state: string;
  readonly at: string;
  readonly detail?: { readonly [key: string]: unknown } | null;
}

/** Which terminal states the sweep looks at. */
export interface CompletionSweepWindow {
  /** The sweep's clock. */
  readonly now: Date;
  /** Only terminal states recorded at most this long before `now` are announced. */
  readonly windowMs: number;
  /**
   * Only terminal states recorded at least this long before `now`: a stage that has just appended
   * one publishes it itself within its own invocation, and the sweep should not race it.
   */
  readonly settleMs: number;
  /** At most this many requests per sweep, oldest terminal state first; the next sweep takes the rest. */
  readonly limit: number;
}

/**
 * The requests whose last lifecycle step is a terminal state that has a completion event, recorded
 * within the window and settled, with no `completion_published` annotation for that event: the
 * publish failed (or the function died between the append and the publish) and no stage has met the
 * request since. A decision on the entries alone; {@link sweepCompletions} acts on it.
 */
export function unannouncedRequests(entries: readonly SweptEntry[], window: CompletionSweepWindow): string[] {
  const byRequest = new Map<string, SweptEntry[]>();
  for (const entry of entries) {
    const list = byRequest.get(entry.requestId);
    if (list) list.push(entry);
    else byRequest.set(entry.requestId, [entry]);
  }
  const now = window.now.getTime();
  const due: { requestId: string; at: number }[] = [];
  for (const [requestId, history] of byRequest) {
    const last = lifecycleOf([...history].sort(compareLedgerEntries)).at(-1);
    if (!last || !isCompletionState(last.state)) continue;
    const at = Date.parse(last.at);
    if (!(at >= now - window.windowMs && at <= now - window.settleMs)) continue;
    const eventId = completionEventId(requestId, last.state);
    const announced = history.some(
      (e) => e.state === 'completion_published' && e.detail?.eventId === eventId,
    );
    if (!announced) due.push({ requestId, at });
  }
  return due
    .sort((a, b) => a.at - b.at || (a.requestId < b.requestId ? -1 : 1))
    .slice(0, window.limit)
    .map((d) => d.requestId);
}
