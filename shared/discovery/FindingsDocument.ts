import type { CanonicalObject, CanonicalRow, CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { compareCanonical } from '../canonical/compareCanonical';
import { sha256Hex } from '../canonical/sha256';
import type { System } from './SearchableTable';
import type { TableResult } from './traverse';

/** One row about the subject, where it was found, and its primary key. */
export interface Finding {
  readonly system: System;
  /** As the data map names it. */
  readonly table: string;
  readonly key: CanonicalObject;
  readonly row: CanonicalRow;
}

/**
 * The product's output for one request: canonical findings sorted by system, table and primary
 * key, rows per searched table, and the evidence hash (SHA-256 of the canonical findings) that
 * makes any difference between two runs visible.
 */
export interface FindingsDocument {
  readonly requestId: string;
  readonly subject: { readonly hash: string };
  readonly findings: readonly Finding[];
  /** system → table → rows found; every searched table appears, also with 0. */
  readonly counts: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly evidenceHash: string;
}

export function buildFindingsDocument(input: {
  requestId: string;
  subjectHash: string;
  tables: readonly TableResult[];
}): FindingsDocument {
  const findings = input.tables
    .flatMap((t) =>
      t.rows.map((r): Finding => ({ system: t.system, table: t.table, key: r.key, row: r.row })),
    )
    .sort(compareFindings);
  const counts: Record<string, Record<string, number>> = {};
  for (const t of input.tables) {
    counts[t.system] ??= {};
    (counts[t.system] as Record<string, number>)[t.table] = t.rows.length;
  }
  return {
    requestId: input.requestId,
    subject: { hash: input.subjectHash },
    findings,
    counts,
    evidenceHash: evidenceHash(findings),
  };
}

/** SHA-256 of the canonical JSON of the findings. */
export function evidenceHash(findings: readonly Finding[]): string {
  return sha256Hex(canonicalJson(findings as unknown as CanonicalValue));
}

/** The document as canonical JSON: the same findings always give the same bytes. */
export function serializeFindingsDocument(document: FindingsDocument): string {
  return canonicalJson(document as unknown as CanonicalValue);
}

function compareFindings(a: Finding, b: Finding): number {
  if (a.system !== b.system) return a.system < b.system ? -1 : 1;
  if (a.table !== b.table) return a.table < b.table ? -1 : 1;
  const columns = Object.keys(a.key);
  for (const column of columns) {
    const order = compareCanonical(a.key[column] ?? null, b.key[column] ?? null);
    if (order !== 0) return order;
  }
  return 0;
}
