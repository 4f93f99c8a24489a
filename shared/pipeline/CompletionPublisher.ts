import type { CompletionEvent } from './CompletionEvent';

/**
 * Where completion events go: an SNS topic that intake systems subscribe to (deployed), a file or
 * a list (on one machine). Delivery is at least once; subscribers drop repeats by `eventId`.
 */
export interface CompletionPublisher {
  publish(event: CompletionEvent): Promise<void>;
}
