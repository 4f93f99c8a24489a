import { z } from 'zod';
import { type Ledger, type LedgerEntry, ledgerEntrySchema } from './Ledger';
import type { MessageQueue } from './MessageQueue';

const ledgerMessageSchema = z.strictObject({
  kind: z.literal('dsr.ledger'),
  version: z.literal(1),
  entry: ledgerEntrySchema,
});

/**
 * The ledger of a stage without Snowflake access (the extractors): each entry is sent to the next
 * stage's queue as a `dsr.ledger` message, which that stage appends to `DSR_LEDGER`, and is also
 * kept in memory so the entries of a request can ride along with its stage message. `history`
 * knows only what this container wrote; duplicates are caught downstream, where the ledger is read.
 */
export class ForwardedLedger implements Ledger {
  private readonly written = new Map<string, LedgerEntry[]>();

  constructor(
    private readonly queue: MessageQueue,
    private readonly queueUrl: string,
  ) {}

  async append(entry: LedgerEntry): Promise<void> {
    const entries = this.written.get(entry.requestId) ?? [];
    entries.push(entry);
    this.written.set(entry.requestId, entries);
    await this.queue.send(this.queueUrl, JSON.stringify({ kind: 'dsr.ledger', version: 1, entry }), {
      traceId: entry.traceId,
      requestId: entry.requestId,
    });
  }

  async history(requestId: string): Promise<readonly LedgerEntry[]> {
    return this.written.get(requestId) ?? [];
  }

  /** The entries this container wrote for a request, to carry with its stage message. */
  carried(requestId: string): readonly LedgerEntry[] {
    return this.written.get(requestId) ?? [];
  }
}

/** The entry of a `dsr.ledger` message, or undefined when the body is another kind of message. */
export function readLedgerMessage(body: string): LedgerEntry | undefined {
  if (!body.includes('"dsr.ledger"')) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = ledgerMessageSchema.safeParse(raw);
  return parsed.success ? parsed.data.entry : undefined;
}
