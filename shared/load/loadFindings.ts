import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { sha256Hex } from '../canonical/sha256';
import type { Finding, FindingsDocument } from '../discovery/FindingsDocument';
import { InvalidArgumentError } from '../errors/errors';
import { SNOWFLAKE_VARIANT_LIMIT_BYTES, SnowflakeValueTooLargeError } from '../snowflake/errors';
import { type SnowflakeDatabase, snowflakeQueryTag } from '../snowflake/SnowflakeDatabase';
import { type LoadLocation, mergeFindingsSql, timestampBind } from '../snowflake/statements';
import { ensureEvidenceTables } from './ensureEvidenceTables';

/** Default cap on the bound JSON of one statement: a quarter of the 16 MB a bound value may hold. */
export const DEFAULT_STATEMENT_BYTES = 4 * 1024 * 1024;

export interface LoadFindingsOptions {
  /** When discovery ran; stored as DISCOVERED_AT. */
  readonly discoveredAt: Date;
  /** Findings per MERGE at most. 1–10000. @default 500 */
  readonly batchSize?: number;
  /**
   * Bytes of bound JSON per MERGE at most (a finding larger than this goes alone). 1 KiB–12 MiB.
   * @default 4 MiB
   */
  readonly maxStatementBytes?: number;
  /**
   * `false` for an erasure request: each finding is stored with its key, row hash and provenance,
   * and `ROW` stays NULL, so the evidence table keeps no copy of the data being erased.
   * @default true
   */
  readonly values?: boolean;
}

export interface LoadFindingsResult {
  /** Findings sent (already present ones included: they are left as they are). */
  readonly findings: number;
  /** Statements sent. */
  readonly batches: number;
}

/** The request a part of findings belongs to. */
export interface FindingsPartContext {
  readonly requestId: string;
  readonly evidenceHash: string;
}

/**
 * Lands a findings document in `DSR_FINDINGS`: creates the table if needed, then MERGEs the
 * findings keyed on (request id, system, table, row key). Running it again for the same document —
 * a retry after a lost answer, a duplicate delivery — adds nothing. See {@link loadFindingsPart}.
 */
export async function loadFindings(
  db: SnowflakeDatabase,
  at: LoadLocation,
  document: FindingsDocument,
  options: LoadFindingsOptions,
): Promise<LoadFindingsResult> {
  return loadFindingsPart(db, at, document, document.findings, options);
}

/**
 * Lands any part of a request's findings (all of them, or one bounded part of a stream; parts may
 * be loaded in any order and again). Each statement is one MERGE whose one bind is a JSON array of
 * whole finding objects ({@link mergeFindingsSql}), capped by rows and by bytes. Each row travels
 * as its canonical JSON, so structure and exact digits survive; ROW_HASH is the SHA-256 of that
 * JSON and EVIDENCE_HASH the document's. A finding too large for a VARIANT fails before anything is
 * sent with a permanent {@link SnowflakeValueTooLargeError}.
 */
export async function loadFindingsPart(
  db: SnowflakeDatabase,
  at: LoadLocation,
  context: FindingsPartContext,
  findings: Iterable<Finding>,
  options: LoadFindingsOptions,
): Promise<LoadFindingsResult> {
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
    throw new InvalidArgumentError(`batchSize must be between 1 and 10000 inclusive (given ${batchSize})`);
  const maxBytes = options.maxStatementBytes ?? DEFAULT_STATEMENT_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 1024 || maxBytes > 12 * 1024 * 1024)
    throw new InvalidArgumentError(
      `maxStatementBytes must be between 1024 and 12582912 inclusive (given ${maxBytes})`,
    );
  if (Number.isNaN(options.discoveredAt.getTime()))
    throw new InvalidArgumentError('discoveredAt is not a valid time');
  const discoveredAt = timestampBind(options.discoveredAt);
  const elements: string[] = [];
  for (const f of findings) {
    const element = findingElement(context, f, discoveredAt, options.values ?? true);
    const bytes = Buffer.byteLength(element, 'utf8');
    // The element alone, inside its array, must fit a VARIANT.
    if (bytes + 2 > SNOWFLAKE_VARIANT_LIMIT_BYTES)
      throw new SnowflakeValueTooLargeError(
        f.table,
        Object.keys(f.key),
        bytes,
        SNOWFLAKE_VARIANT_LIMIT_BYTES,
      );
    elements.push(element);
  }
  return db.withQueryTag(snowflakeQueryTag('load', context.requestId), async () => {
    await ensureEvidenceTables(db, at);
    const sql = mergeFindingsSql(at);
    let batches = 0;
    for (const batch of byteCappedBatches(elements, batchSize, maxBytes)) {
      await db.execute(sql, [`[${batch.join(',')}]`]);
      batches++;
    }
    return { findings: elements.length, batches };
  });
}

/** One finding as an element of the bound array: keys in sorted order, the row's canonical JSON as a string. */
function findingElement(
  context: FindingsPartContext,
  f: Finding,
  discoveredAt: string,
  values: boolean,
): string {
  const rowJson = canonicalJson(f.row as CanonicalValue);
  return (
    `{"discoveredAt":${JSON.stringify(discoveredAt)},"evidenceHash":${JSON.stringify(context.evidenceHash)},` +
    `"requestId":${JSON.stringify(context.requestId)},"row":${values ? JSON.stringify(rowJson) : 'null'},"rowHash":"${sha256Hex(rowJson)}",` +
    `"rowKey":${JSON.stringify(canonicalJson(f.key as CanonicalValue))},"system":${JSON.stringify(f.system)},` +
    `"table":${JSON.stringify(f.table)},"provenance":${JSON.stringify(canonicalJson(f.provenance as unknown as CanonicalValue))}}`
  );
}

/**
 * Groups JSON elements into batches of at most `rows` elements and `maxBytes` bytes of `[a,b,…]`;
 * an element larger than `maxBytes` goes alone.
 */
export function* byteCappedBatches(
  elements: readonly string[],
  rows: number,
  maxBytes: number,
): Generator<string[]> {
  let batch: string[] = [];
  let bytes = 2;
  for (const element of elements) {
    const size = Buffer.byteLength(element, 'utf8') + 1;
    if (batch.length > 0 && (batch.length >= rows || bytes + size > maxBytes)) {
      yield batch;
      batch = [];
      bytes = 2;
    }
    batch.push(element);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
