import { z } from 'zod';
import type { Ledger, LedgerEntry } from './Ledger';
import type { MessageQueue } from './MessageQueue';
import { REQUEST_STATES, type RequestState } from './RequestState';

const entrySchema = z.strictObject({
  requestId: z.string().min(1),
  state: z.enum(REQUEST_STATES),
  at: z.string().min(1),
  stage: z.string().min(1),
  traceId: z.string().min(1),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

const ledgerMessageSchema = z.strictObject({
  kind: z.literal('dsr.ledger'),
  version: z.literal(1),
  entry: entrySchema,
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
  return parsed.success
    ? { ...parsed.data.entry, state: parsed.data.entry.state as RequestState }
    : undefined;
}
