import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import {
  addFindingsProvenanceSql,
  addLedgerChainSql,
  createFindingsTableSql,
  createLedgerTableSql,
  type LoadLocation,
} from '../snowflake/statements';

const ensured = new WeakMap<SnowflakeDatabase, Set<string>>();

/**
 * Creates `DSR_FINDINGS` and `DSR_LEDGER` where they are missing (`CREATE TABLE IF NOT EXISTS`),
 * once per session and location; adds the PROVENANCE column to a findings table made before it and
 * the hash-chain columns to a ledger made before them.
 */
export async function ensureEvidenceTables(db: SnowflakeDatabase, at: LoadLocation): Promise<void> {
  const id = `${at.database}\u0000${at.schema}`;
  const done = ensured.get(db) ?? new Set<string>();
  ensured.set(db, done);
  if (done.has(id)) return;
  await db.execute(createFindingsTableSql(at));
  await db.execute(addFindingsProvenanceSql(at));
  await db.execute(createLedgerTableSql(at));
  await db.execute(addLedgerChainSql(at));
  done.add(id);
}
