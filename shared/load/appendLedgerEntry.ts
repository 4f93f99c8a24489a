import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { InvalidArgumentError } from '../errors/errors';
import { type SnowflakeDatabase, snowflakeQueryTag } from '../snowflake/SnowflakeDatabase';
import { type LoadLocation, mergeLedgerSql, timestampBind } from '../snowflake/statements';
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

/**
 * Appends several entries in one MERGE whose one bind is a JSON array of the entries
 * ({@link mergeLedgerSql}); each is kept once, as {@link appendLedgerEntry}.
 */
export async function appendLedgerEntries(
  db: SnowflakeDatabase,
  at: LoadLocation,
  entries: readonly LedgerEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const elements = entries.map((entry) => {
    if (!NAME.test(entry.state))
      throw new InvalidArgumentError('state must be a lower-case name such as loaded');
    if (!NAME.test(entry.stage))
      throw new InvalidArgumentError('stage must be a lower-case name such as load or extract-high');
    const time = entry.at instanceof Date ? entry.at : new Date(entry.at);
    if (Number.isNaN(time.getTime())) throw new InvalidArgumentError('at is not a valid time');
    // Absent keys, not JSON nulls: FLATTEN's value:"x" is then SQL NULL.
    const element: Record<string, CanonicalValue> = {
      at: timestampBind(time),
      requestId: entry.requestId,
      stage: entry.stage,
      state: entry.state,
    };
    if (entry.traceId !== undefined && entry.traceId !== null) element.traceId = entry.traceId;
    if (entry.detail) element.detail = canonicalJson(entry.detail as CanonicalValue);
    return canonicalJson(element);
  });
  const first = entries[0] as LedgerEntry;
  await db.withQueryTag(snowflakeQueryTag(first.stage, first.requestId), async () => {
    await ensureEvidenceTables(db, at);
    await db.execute(mergeLedgerSql(at), [`[${elements.join(',')}]`]);
  });
}
