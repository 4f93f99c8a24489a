import type { CanonicalObject } from '../canonical/CanonicalValue';
import { compareLedgerEntries } from '../pipeline/Ledger';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import { type LoadLocation, selectLedgerSql } from '../snowflake/statements';
import type { LedgerEntry } from './LedgerEntry';

/** A ledger entry as read back: the time as UTC ISO-8601 text. */
export interface LedgerRecord extends LedgerEntry {
  readonly at: string;
  readonly traceId: string | null;
  readonly detail: CanonicalObject | null;
}

/** A request's history from `DSR_LEDGER`, oldest first (ties in the order of the pipeline's states). */
export async function readLedger(
  db: SnowflakeDatabase,
  at: LoadLocation,
  requestId: string,
): Promise<LedgerRecord[]> {
  const rows = await db.query(selectLedgerSql(at), [requestId]);
  const records = rows.map((r) => ({
    requestId: String(r.REQUEST_ID),
    state: String(r.STATE),
    stage: String(r.STAGE),
    at: String(r.EVENT_TIME),
    traceId: r.TRACE_ID === null || r.TRACE_ID === undefined ? null : String(r.TRACE_ID),
    detail: (r.DETAIL ?? null) as CanonicalObject | null,
  }));
  // Ordered here rather than in SQL: entries of the same instant follow the pipeline's states.
  return records.sort(compareLedgerEntries);
}
