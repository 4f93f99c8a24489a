import { ensureEvidenceTables } from '../load/ensureEvidenceTables';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import { type LoadLocation, selectLedgerHeadsSql } from '../snowflake/statements';
import {
  type AnchorStore,
  buildLedgerAnchor,
  GENESIS_ROOT,
  type LedgerAnchor,
  ledgerAnchorSchema,
} from './LedgerAnchor';

/**
 * Takes the anchor of the UTC day of `now`: reads every request's latest chained entry, links to the latest stored anchor and writes it once. Returns it, or undefined when
 * that day is anchored already (a second run the same day changes nothing).
 */
export async function takeLedgerAnchor(
  db: SnowflakeDatabase,
  at: LoadLocation,
  store: AnchorStore,
  now: Date,
): Promise<LedgerAnchor | undefined> {
  const date = now.toISOString().slice(0, 10);
  const stored = await store.list();
  if (stored.some((a) => a.date === date)) return undefined;
  const latest = stored.at(-1);
  const prevRoot = latest ? ledgerAnchorSchema.parse(JSON.parse(latest.text)).root : GENESIS_ROOT;
  await ensureEvidenceTables(db, at);
  const rows = await db.query(selectLedgerHeadsSql(at));
  const heads = rows.map((r) => ({
    requestId: String(r.REQUEST_ID),
    seq: Number(String(r.SEQ)),
    entryHash: String(r.ENTRY_HASH),
  }));
  const anchor = buildLedgerAnchor(date, now, heads, prevRoot);
  await store.put(anchor);
  return anchor;
}
