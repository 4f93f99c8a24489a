import type { RequestState } from './RequestState';

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
  /** Entries of one request, oldest first. */
  history(requestId: string): Promise<readonly LedgerEntry[]>;
}
