import type { DataMap } from '../datamap/dataMapSchema';
import type { System } from '../datamap/System';
import { buildFindingsDocument, type FindingsDocument } from '../discovery/FindingsDocument';
import type { NotFollowed, UnparsedPhones } from '../discovery/NotFollowed';
import type { TableResult } from '../discovery/traverse';
import { DsrError } from '../errors/DsrError';
import type { LoadedFinding } from '../load/readLoadedFindings';

/**
 * The evidence read back from `DSR_FINDINGS` is not the evidence that was loaded: its recomputed
 * hash differs from the stored `EVIDENCE_HASH`, the rows carry more than one stored hash, or a row
 * belongs to a table the data map no longer declares. Permanent: reading again gives the same rows.
 * The message names tables and hashes, never row values.
 */
export class EvidenceMismatchError extends DsrError {
  readonly retryable = false;
  readonly code = 'EVIDENCE_MISMATCH';

  constructor(
    message: string,
    /** The document rebuilt from what was read, for a caller that reports it alongside the error. */
    readonly document: FindingsDocument,
  ) {
    super(message);
  }
}

export interface LoadedFindingsInput {
  /** The data map the request was discovered with: its tables and their primary keys. */
  readonly dataMap: DataMap;
  readonly requestId: string;
  /** The keyed subject hash recorded when the request was received. */
  readonly subjectHash: string;
  /** The request's rows as `readLoadedFindings` returns them. */
  readonly findings: readonly LoadedFinding[];
  /** The note of values not followed, as the load recorded it in the ledger (`parseNotFollowed`). */
  readonly notFollowed?: readonly NotFollowed[];
  /** Found phone values compared as digits, as the load recorded them (`parseUnparsedPhones`). */
  readonly unparsedPhones?: readonly UnparsedPhones[];
}

/**
 * Rebuilds a request's canonical findings document from its landed rows: every table of the data
 * map (so tables with no rows count 0, as discovery reported them), each with its primary key, so
 * the findings sort exactly as discovery sorted them. Throws {@link EvidenceMismatchError} unless
 * the recomputed evidence hash equals the `EVIDENCE_HASH` stored with the rows: a report must be
 * made from exactly the evidence that was loaded.
 */
export function loadedFindingsDocument(input: LoadedFindingsInput): FindingsDocument {
  const { dataMap, findings } = input;
  const tables: TableResult[] = [
    ...dataMap.postgres.map((t) => ({
      system: 'postgres' as const,
      table: t.table,
      primaryKey: t.primaryKey,
    })),
    ...dataMap.snowflake.map((t) => ({
      system: 'snowflake' as const,
      table: t.table,
      primaryKey: t.primaryKey,
    })),
  ].map((t) => ({
    ...t,
    rows: findings
      .filter((f) => f.system === t.system && f.table === t.table)
      .map((f) => ({ key: f.key, provenance: f.provenance, row: f.row })),
  }));
  const document = buildFindingsDocument({
    requestId: input.requestId,
    subjectHash: input.subjectHash,
    tables,
    ...(input.notFollowed ? { notFollowed: input.notFollowed } : {}),
    ...(input.unparsedPhones ? { unparsedPhones: input.unparsedPhones } : {}),
  });

  const declared = new Set(tables.map((t) => tableId(t.system, t.table)));
  const undeclared = [
    ...new Set(
      findings.filter((f) => !declared.has(tableId(f.system, f.table))).map((f) => `${f.system} ${f.table}`),
    ),
  ];
  if (undeclared.length > 0)
    throw new EvidenceMismatchError(
      `request ${input.requestId}: loaded rows belong to tables the data map does not declare (${undeclared.join(', ')}); use the data map the request was discovered with`,
      document,
    );
  const stored = [...new Set(findings.map((f) => f.evidenceHash))];
  if (stored.length > 1)
    throw new EvidenceMismatchError(
      `request ${input.requestId}: the loaded rows carry ${stored.length} different evidence hashes (${stored.join(', ')})`,
      document,
    );
  const [expected] = stored;
  if (expected !== undefined && expected !== document.evidenceHash)
    throw new EvidenceMismatchError(
      `request ${input.requestId}: the evidence read back hashes to ${document.evidenceHash}, but ${expected} was loaded`,
      document,
    );
  return document;
}

function tableId(system: System, table: string): string {
  return `${system}\u0000${table}`;
}
