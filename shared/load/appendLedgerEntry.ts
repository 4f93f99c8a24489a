import type { CanonicalObject, CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { InvalidArgumentError } from '../errors/errors';
import { LedgerContentionError } from '../ledger/LedgerContentionError';
import { canonicalLedgerTime, GENESIS_HASH, ledgerEntryHash } from '../ledger/ledgerEntryHash';
import { type SnowflakeDatabase, snowflakeQueryTag } from '../snowflake/SnowflakeDatabase';
import { type LoadLocation, mergeLedgerSql, timestampBind } from '../snowflake/statements';
import { ensureEvidenceTables } from './ensureEvidenceTables';
import type { LedgerEntry } from './LedgerEntry';
import { type LedgerRecord, readLedger } from './readLedger';

/** How many times an append re-reads the chain when another writer appended first. */
const APPEND_ATTEMPTS = 8;

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
 * ({@link mergeLedgerSql}); each (request, state, stage) is kept once, the first.
 *
 * Each new entry is chained: it takes the next position (`SEQ`) of its request and the hash of the
 * entry before it (`PREV_HASH`), and its own hash (`ENTRY_HASH`, {@link ledgerEntryHash}) covers
 * both. The MERGE inserts nothing when another writer took one of those positions since the chain
 * was read; the chain is then read again and the entries re-chained.
 */
export async function appendLedgerEntries(
  db: SnowflakeDatabase,
  at: LoadLocation,
  entries: readonly LedgerEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const checked = entries.map(checkEntry);
  const byRequest = new Map<string, CheckedEntry[]>();
  for (const entry of checked)
    byRequest.set(entry.requestId, [...(byRequest.get(entry.requestId) ?? []), entry]);
  const first = entries[0] as LedgerEntry;
  await db.withQueryTag(snowflakeQueryTag(first.stage, first.requestId), async () => {
    await ensureEvidenceTables(db, at);
    for (const [requestId, batch] of byRequest) await appendChained(db, at, requestId, batch);
  });
}

interface CheckedEntry {
  readonly requestId: string;
  readonly state: string;
  readonly stage: string;
  readonly time: Date;
  readonly traceId: string | null;
  readonly detail: CanonicalObject | null;
}

function checkEntry(entry: LedgerEntry): CheckedEntry {
  if (!NAME.test(entry.state))
    throw new InvalidArgumentError('state must be a lower-case name such as loaded');
  if (!NAME.test(entry.stage))
    throw new InvalidArgumentError('stage must be a lower-case name such as load or extract-high');
  const time = entry.at instanceof Date ? entry.at : new Date(entry.at);
  if (Number.isNaN(time.getTime())) throw new InvalidArgumentError('at is not a valid time');
  return {
    requestId: entry.requestId,
    state: entry.state,
    stage: entry.stage,
    time,
    traceId: entry.traceId ?? null,
    detail: entry.detail ?? null,
  };
}

async function appendChained(
  db: SnowflakeDatabase,
  at: LoadLocation,
  requestId: string,
  batch: readonly CheckedEntry[],
): Promise<void> {
  for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
    const stored = await readLedger(db, at, requestId);
    const known = new Set(stored.map((r) => `${r.state}\u0000${r.stage}`));
    const fresh: CheckedEntry[] = [];
    for (const entry of batch) {
      const key = `${entry.state}\u0000${entry.stage}`;
      if (known.has(key)) continue;
      known.add(key);
      fresh.push(entry);
    }
    if (fresh.length === 0) return;
    const head = chainHead(stored);
    const firstSeq = head ? head.seq + 1 : 0;
    let prevHash = head?.entryHash ?? GENESIS_HASH;
    const elements = fresh.map((entry, i) => {
      const seq = firstSeq + i;
      const entryHash = ledgerEntryHash({
        requestId,
        state: entry.state,
        stage: entry.stage,
        at: canonicalLedgerTime(entry.time),
        traceId: entry.traceId,
        detail: entry.detail,
        seq,
        prevHash,
      });
      // Absent keys, not JSON nulls: FLATTEN's value:"x" is then SQL NULL.
      const element: Record<string, CanonicalValue> = {
        at: timestampBind(entry.time),
        requestId,
        stage: entry.stage,
        state: entry.state,
        seq: String(seq),
        firstSeq: String(firstSeq),
        prevHash,
        entryHash,
      };
      if (entry.traceId !== null) element.traceId = entry.traceId;
      if (entry.detail) element.detail = canonicalJson(entry.detail);
      prevHash = entryHash;
      return canonicalJson(element);
    });
    const result = await db.execute(mergeLedgerSql(at), [`[${elements.join(',')}]`]);
    if (result.rowsAffected === fresh.length) return;
  }
  throw new LedgerContentionError(
    `the ledger chain of request ${requestId} kept moving: ${APPEND_ATTEMPTS} appends were overtaken`,
  );
}

/** The chained entry with the highest position; undefined when none is chained yet. */
function chainHead(stored: readonly LedgerRecord[]): { seq: number; entryHash: string } | undefined {
  let head: { seq: number; entryHash: string } | undefined;
  for (const r of stored)
    if (r.seq !== null && r.entryHash !== null && (!head || r.seq > head.seq))
      head = { seq: r.seq, entryHash: r.entryHash };
  return head;
}
