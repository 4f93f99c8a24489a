import type { CanonicalObject, CanonicalRow } from '../canonical/CanonicalValue';
import { compareLedgerEntries } from '../ledger/Ledger';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import { type LoadLocation, selectAllLedgerSql, selectLedgerSql } from '../snowflake/statements';
import type { LedgerEntry } from './LedgerEntry';

/** A ledger entry as read back: the time as UTC ISO-8601 text. */
export interface LedgerRecord extends LedgerEntry {
  readonly at: string;
  readonly traceId: string | null;
  readonly detail: CanonicalObject | null;
  /** Position in the request's hash chain; null for an entry written before chaining. */
  readonly seq: number | null;
  readonly prevHash: string | null;
  readonly entryHash: string | null;
}

/** A request's history from `DSR_LEDGER`, oldest first (ties in the order of the pipeline's states). */
export async function readLedger(
  db: SnowflakeDatabase,
  at: LoadLocation,
  requestId: string,
): Promise<LedgerRecord[]> {
  const rows = await db.query(selectLedgerSql(at), [requestId]);
  // Ordered here rather than in SQL: entries of the same instant follow the pipeline's states.
  return rows.map(ledgerRecordOf).sort(compareLedgerEntries);
}

/**
 * Every entry of the requests with an entry at or after `since` (every request without it), by
 * request and chain position: what `dsr verify` reads.
 */
export async function readLedgerSince(
  db: SnowflakeDatabase,
  at: LoadLocation,
  since: Date = new Date(0),
): Promise<LedgerRecord[]> {
  const records = (await db.query(selectAllLedgerSql(at))).map(ledgerRecordOf);
  // A chain is checked whole: a request with any entry since the time brings all its entries.
  const recent = new Set(records.filter((r) => Date.parse(r.at) >= since.getTime()).map((r) => r.requestId));
  return records.filter((r) => recent.has(r.requestId));
}

function ledgerRecordOf(r: CanonicalRow): LedgerRecord {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    requestId: String(r.REQUEST_ID),
    state: String(r.STATE),
    stage: String(r.STAGE),
    at: String(r.EVENT_TIME),
    traceId: text(r.TRACE_ID),
    detail: (r.DETAIL ?? null) as CanonicalObject | null,
    seq: r.SEQ === null || r.SEQ === undefined ? null : Number(String(r.SEQ)),
    prevHash: text(r.PREV_HASH),
    entryHash: text(r.ENTRY_HASH),
  };
}
