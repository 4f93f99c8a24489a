import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { sha256Hex } from '../canonical/sha256';
import type { FindingsDocument } from '../discovery/FindingsDocument';
import type { SnowflakeBind, SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import { type LoadLocation, mergeFindingsSql } from '../snowflake/statements';
import { ensureEvidenceTables } from './ensureEvidenceTables';

export interface LoadFindingsOptions {
  /** When discovery ran; stored as DISCOVERED_AT. */
  readonly discoveredAt: Date;
  /** Findings per MERGE (array binds). 1–10000. @default 500 */
  readonly batchSize?: number;
}

export interface LoadFindingsResult {
  /** Findings sent (already present ones included: they are left as they are). */
  readonly findings: number;
  readonly batches: number;
}

/**
 * Lands a findings document in `DSR_FINDINGS`: creates the table if needed, then MERGEs the
 * findings in batches with array binds, keyed on (request id, system, table, row key). Running it
 * again for the same document — a retry after a lost answer, a duplicate delivery — adds nothing.
 * Each row travels as its canonical JSON and is parsed by `PARSE_JSON`, so structure and exact
 * digits survive; ROW_HASH is the SHA-256 of that JSON and EVIDENCE_HASH the document's.
 */
export async function loadFindings(
  db: SnowflakeDatabase,
  at: LoadLocation,
  document: FindingsDocument,
  options: LoadFindingsOptions,
): Promise<LoadFindingsResult> {
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
    throw new RangeError(`batchSize must be between 1 and 10000 inclusive (given ${batchSize})`);
  if (Number.isNaN(options.discoveredAt.getTime())) throw new RangeError('discoveredAt is not a valid time');
  await ensureEvidenceTables(db, at);
  const discoveredAt = options.discoveredAt.toISOString();
  const rows: SnowflakeBind[][] = document.findings.map((f) => {
    const rowJson = canonicalJson(f.row as CanonicalValue);
    return [
      document.requestId,
      f.system,
      f.table,
      canonicalJson(f.key as CanonicalValue),
      rowJson,
      sha256Hex(rowJson),
      document.evidenceHash,
      discoveredAt,
      canonicalJson(f.provenance as unknown as CanonicalValue),
    ];
  });
  const sql = mergeFindingsSql(at);
  let batches = 0;
  for (let i = 0; i < rows.length; i += batchSize) {
    await db.execute(sql, rows.slice(i, i + batchSize));
    batches++;
  }
  return { findings: rows.length, batches };
}
