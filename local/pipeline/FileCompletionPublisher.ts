import { appendFile, chmod } from 'node:fs/promises';
import type { CompletionEvent } from '../../shared/pipeline/CompletionEvent';
import type { CompletionPublisher } from '../../shared/pipeline/CompletionPublisher';

/**
 * The local stand-in for the completion topic: each event is kept in `events` and, when a file is
 * given, appended to it as one JSON line (owner-only), where a local intake system can follow it
 * (`tail -f .dsr/completions.ndjson`).
 */
export class FileCompletionPublisher implements CompletionPublisher {
  readonly events: CompletionEvent[] = [];

  constructor(private readonly file?: string) {}

  async publish(event: CompletionEvent): Promise<void> {
    this.events.push(event);
    if (!this.file) return;
    await appendFile(this.file, `${JSON.stringify(event)}\n`, { mode: 0o600 });
    await chmod(this.file, 0o600);
  }
}
