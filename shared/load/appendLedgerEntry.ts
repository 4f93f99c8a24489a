import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import type { SnowflakeBind, SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import { type LoadLocation, mergeLedgerSql } from '../snowflake/statements';
import { ensureEvidenceTables } from './ensureEvidenceTables';
import type { LedgerEntry } from './LedgerEntry';

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * Appends an entry to `DSR_LEDGER` with a MERGE keyed on (request id, state, stage): writing the
 * same step twice (a retried stage, a duplicate message) leaves one entry, the first.
 */
export async function appendLedgerEntry(
  db: SnowflakeDatabase,
  at: LoadLocation,
  entry: LedgerEntry,
): Promise<void> {
  await appendLedgerEntries(db, at, [entry]);
}

/** Appends several entries in one MERGE with array binds; each is kept once, as {@link appendLedgerEntry}. */
export async function appendLedgerEntries(
  db: SnowflakeDatabase,
  at: LoadLocation,
  entries: readonly LedgerEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const rows: SnowflakeBind[][] = entries.map((entry) => {
    if (!NAME.test(entry.state)) throw new RangeError('state must be a lower-case name such as loaded');
    if (!NAME.test(entry.stage))
      throw new RangeError('stage must be a lower-case name such as load or extract-high');
    const time = entry.at instanceof Date ? entry.at : new Date(entry.at);
    if (Number.isNaN(time.getTime())) throw new RangeError('at is not a valid time');
    return [
      entry.requestId,
      entry.state,
      entry.stage,
      time.toISOString(),
      entry.traceId ?? null,
      entry.detail ? canonicalJson(entry.detail as CanonicalValue) : null,
    ];
  });
  await ensureEvidenceTables(db, at);
  await db.execute(mergeLedgerSql(at), rows.length === 1 ? rows[0] : rows);
}
