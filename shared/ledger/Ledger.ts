import { z } from 'zod';
import { REQUEST_STATES, type RequestState } from './RequestState';

/** One line of a request's audit trail. Carries no personal data. */
export interface LedgerEntry {
  readonly requestId: string;
  readonly state: RequestState;
  /** ISO-8601. */
  readonly at: string;
  /** The stage that wrote the entry, e.g. `extract-standard`, `gate`. */
  readonly stage: string;
  readonly traceId: string;
  /** Codes, counts and hashes only. */
  readonly detail?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * The append-only record of every request's states: the source of truth for duplicate deliveries
 * and for "exactly one terminal state". Implemented over Snowflake in AWS.
 */
export interface Ledger {
  append(entry: LedgerEntry): Promise<void>;
  /** Appends several entries at once (one round trip where the store allows it). */
  appendAll(entries: readonly LedgerEntry[]): Promise<void>;
  /** Entries of one request, oldest first. */
  history(requestId: string): Promise<readonly LedgerEntry[]>;
}

/** A ledger entry as it travels in messages (carried with a stage message, or forwarded alone). */
export const ledgerEntrySchema = z.strictObject({
  requestId: z.string().min(1),
  state: z.enum(REQUEST_STATES),
  at: z.string().min(1),
  stage: z.string().min(1),
  traceId: z.string().min(1),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

/** Orders entries by time; entries of the same instant in the order of the pipeline's states. */
export function compareLedgerEntries(
  a: Pick<LedgerEntry, 'at'> & { readonly state: string },
  b: Pick<LedgerEntry, 'at'> & { readonly state: string },
): number {
  const order = (state: string) => REQUEST_STATES.indexOf(state as RequestState);
  return Date.parse(a.at) - Date.parse(b.at) || order(a.state) - order(b.state);
}
