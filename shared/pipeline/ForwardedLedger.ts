import { z } from 'zod';
import { type Ledger, type LedgerEntry, ledgerEntrySchema } from '../ledger/Ledger';
import type { MessageQueue } from './MessageQueue';

const ledgerMessageSchema = z.strictObject({
  kind: z.literal('dsr.ledger'),
  version: z.literal(1),
  entries: z.array(ledgerEntrySchema).min(1),
});

/** States after which no stage message follows to carry the entries. */
const FAILURE_STATES: ReadonlySet<string> = new Set(['retrying', 'dead_lettered']);
/** Requests whose entries a container remembers (a warm container must not grow without bound). */
const REMEMBERED_REQUESTS = 1000;

/**
 * The ledger of a stage without Snowflake access (the extractors). Entries ride along with the
 * request's stage message (`carried`), which the next stage appends to `DSR_LEDGER` first; when a
 * failure means no stage message follows, the entries not yet sent go to the next stage's queue as
 * one `dsr.ledger` message instead. `history` knows only what this container wrote; duplicates are
 * caught downstream, where the ledger is read.
 */
export class ForwardedLedger implements Ledger {
  private readonly written = new Map<string, { entries: LedgerEntry[]; sent: number }>();

  constructor(
    private readonly queue: MessageQueue,
    private readonly queueUrl: string,
  ) {}

  async append(entry: LedgerEntry): Promise<void> {
    const record = this.written.get(entry.requestId) ?? { entries: [], sent: 0 };
    this.written.delete(entry.requestId);
    this.written.set(entry.requestId, record);
    if (this.written.size > REMEMBERED_REQUESTS) {
      const oldest = this.written.keys().next().value;
      if (oldest !== undefined) this.written.delete(oldest);
    }
    record.entries.push(entry);
    if (!FAILURE_STATES.has(entry.state)) return;
    const unsent = record.entries.slice(record.sent);
    await this.queue.send(
      this.queueUrl,
      JSON.stringify({ kind: 'dsr.ledger', version: 1, entries: unsent }),
      {
        traceId: entry.traceId,
        requestId: entry.requestId,
      },
    );
    record.sent = record.entries.length;
  }

  async appendAll(entries: readonly LedgerEntry[]): Promise<void> {
    for (const entry of entries) await this.append(entry);
  }

  async history(requestId: string): Promise<readonly LedgerEntry[]> {
    return this.written.get(requestId)?.entries ?? [];
  }

  /** The entries this container wrote for a request, to carry with its stage message. */
  carried(requestId: string): readonly LedgerEntry[] {
    return this.written.get(requestId)?.entries ?? [];
  }
}

/** The entries of a `dsr.ledger` message, or undefined when the body is another kind of message. */
export function readLedgerMessage(body: string): readonly LedgerEntry[] | undefined {
  if (!body.includes('"dsr.ledger"')) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = ledgerMessageSchema.safeParse(raw);
  return parsed.success ? parsed.data.entries : undefined;
}
