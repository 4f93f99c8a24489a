import { createHash } from 'node:crypto';
import type { CanonicalObject, CanonicalRow, CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import type { System } from '../datamap/System';
import { compareFindingKeys } from './compareFindingKeys';
import { KEYLESS_KEY } from './keylessRowKeys';
import type { NotFollowed, UnparsedPhones } from './NotFollowed';
import type { ProvenanceEntry } from './Provenance';
import { sortedByFindingKey } from './preparedFindingKey';
import { writtenJson } from './rowJsonOf';
import type { UnreadableRow } from './SearchableTable';
import type { TableResult } from './traverse';

/** One row about the subject, where it was found, its primary key, and how it was reached. */
export interface Finding {
  readonly system: System;
  /** As the data map names it. */
  readonly table: string;
  /** The primary key's columns, or for a keyless table `{ _n, _row }` (see `keylessRowKeys`). */
  readonly key: CanonicalObject;
  /** The matches that found the row in the round it was first found; never identifier values. */
  readonly provenance: readonly ProvenanceEntry[];
  readonly row: CanonicalRow;
}

/**
 * The product's output for one request: canonical findings sorted by system, table and primary
 * key (row identity for keyless tables), each with its provenance, rows per searched table, and the
 * evidence hash (SHA-256 of the canonical findings, provenance included) that makes any difference
 * between two runs visible.
 */
export interface FindingsDocument {
  readonly requestId: string;
  readonly subject: { readonly hash: string };
  readonly findings: readonly Finding[];
  /** system → table → rows found; every searched table appears, also with 0. */
  readonly counts: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly evidenceHash: string;
  /**
   * Rows that matched but could not be read (table, key, column, reason; never a value), sorted like
   * findings. Present only when there are some; not part of the evidence hash.
   */
  readonly unreadable?: readonly Unreadable[];
  /**
   * Learned values that did not widen the search because several rows of the column they were
   * learned from hold them (counts, never values). Present only when there are some; not part of
   * the evidence hash.
   */
  readonly notFollowed?: readonly NotFollowed[];
  /**
   * Phone values of found rows that could not be parsed in their kind's region, so they were
   * compared as their digits: rows per table and column, never a value. Present only when there
   * are some; not part of the evidence hash.
   */
  readonly unparsedPhones?: readonly UnparsedPhones[];
}

/** A matching row that has no canonical form, reported instead of failing its table. */
export interface Unreadable {
  readonly system: System;
  readonly table: string;
  readonly key: CanonicalObject;
  readonly column: string;
  readonly reason: string;
}

export function buildFindingsDocument(input: {
  requestId: string;
  subjectHash: string;
  tables: readonly TableResult[];
  notFollowed?: readonly NotFollowed[];
  unparsedPhones?: readonly UnparsedPhones[];
}): FindingsDocument {
  // Objects are built with their keys in sorted order, the canonical order.
  const findings = [...input.tables]
    .sort((a, b) => compareText(a.system, b.system) || compareText(a.table, b.table))
    .flatMap((t) =>
      sortedByFindingKey(t.rows, t.primaryKey.length > 0 ? t.primaryKey : KEYLESS_KEY).map(
        (r): Finding => ({
          key: r.key,
          provenance: r.provenance,
          row: r.row,
          system: t.system,
          table: t.table,
        }),
      ),
    );
  const counts: Record<string, Record<string, number>> = {};
  for (const t of [...input.tables].sort(
    (a, b) => compareText(a.system, b.system) || compareText(a.table, b.table),
  )) {
    counts[t.system] ??= {};
    (counts[t.system] as Record<string, number>)[t.table] = t.rows.length;
  }
  const unreadable = sortUnreadable(input.tables);
  return {
    counts,
    evidenceHash: evidenceHash(findings),
    findings,
    ...(input.notFollowed?.length ? { notFollowed: input.notFollowed } : {}),
    requestId: input.requestId,
    subject: { hash: input.subjectHash },
    ...(input.unparsedPhones?.length ? { unparsedPhones: input.unparsedPhones } : {}),
    ...(unreadable.length > 0 ? { unreadable } : {}),
  };
}

/**
 * The unreadable rows of the tables, as a document lists them: tables by system and table, then
 * each table's rows by primary key (a keyless table's in the order they were met).
 */
export function sortUnreadable(
  tables: readonly {
    system: System;
    table: string;
    primaryKey: readonly string[];
    unreadable?: readonly UnreadableRow[];
  }[],
): Unreadable[] {
  return [...tables]
    .sort((a, b) => compareText(a.system, b.system) || compareText(a.table, b.table))
    .flatMap((t) =>
      [...(t.unreadable ?? [])]
        .sort((a, b) => compareFindingKeys(a.key, b.key, t.primaryKey))
        .map(
          (u): Unreadable => ({
            column: u.column,
            key: u.key,
            reason: u.reason,
            system: t.system,
            table: t.table,
          }),
        ),
    );
}

/**
 * SHA-256 of the canonical JSON of the findings, fed to the digest a chunk at a time (no string of
 * the whole array is built), each finding written by {@link findingLineWriter}. The bytes hashed are
 * `canonicalJson(findings)`'s.
 */
export function evidenceHash(findings: readonly Finding[]): string {
  const hash = createHash('sha256');
  const line = findingLineWriter();
  let chunk = '[';
  for (let i = 0; i < findings.length; i++) {
    chunk += `${i === 0 ? '' : ','}${line(findings[i] as Finding)}`;
    if (chunk.length >= 1 << 16) {
      hash.update(chunk, 'utf8');
      chunk = '';
    }
  }
  hash.update(`${chunk}]`, 'utf8');
  return hash.digest('hex');
}

/**
 * A writer of findings' canonical JSON, `canonicalJson(finding)`'s bytes: a finding whose row its
 * searcher wrote as JSON (`writtenJson`) is written member by member with that text, its
 * provenance entries (shared between the rows one search met) each written once per writer; any
 * other (read back from a document, say) by `canonicalJson`, extra members and all.
 */
export function findingLineWriter(): (finding: Finding) => string {
  const entries = new Map<ProvenanceEntry, string>();
  const entryJson = (entry: ProvenanceEntry) => {
    let json = entries.get(entry);
    if (json === undefined) {
      json = canonicalJson(entry as unknown as CanonicalValue);
      entries.set(entry, json);
    }
    return json;
  };
  return (f) => {
    const row = writtenJson(f.row);
    if (row === undefined || Object.keys(f).length !== 5)
      return canonicalJson(f as unknown as CanonicalValue);
    let provenance = '[';
    for (let j = 0; j < f.provenance.length; j++)
      provenance += `${j === 0 ? '' : ','}${entryJson(f.provenance[j] as ProvenanceEntry)}`;
    return `{"key":${writtenJson(f.key) ?? canonicalJson(f.key)},"provenance":${provenance}],"row":${row},"system":${JSON.stringify(f.system)},"table":${JSON.stringify(f.table)}}`;
  };
}

/** The document as canonical JSON: the same findings always give the same bytes. */
export function serializeFindingsDocument(document: FindingsDocument): string {
  return canonicalJson(document as unknown as CanonicalValue);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
