import { type FindingsDocument, findingLineWriter, type Unreadable } from './FindingsDocument';
import type { NotFollowed, UnparsedPhones } from './NotFollowed';

/**
 * A request's findings summarised without their rows: what a stage needs to know about them before
 * (or instead of) reading every row. The counts, unreadable rows and evidence hash are those of
 * the {@link FindingsDocument} the same findings would make.
 */
export interface FindingsSummary {
  readonly requestId: string;
  readonly subject: { readonly hash: string };
  /** system → table → rows found; every searched table appears, also with 0. */
  readonly counts: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** SHA-256 of `[` + the findings' canonical JSON lines joined by `,` + `]` (see {@link EvidenceHasher}). */
  readonly evidenceHash: string;
  /** Total findings (the sum of `counts`). */
  readonly rows: number;
  readonly unreadable?: readonly Unreadable[];
  /** Learned values not followed because several rows share them; absent when none. */
  readonly notFollowed?: readonly NotFollowed[];
  /** Phone values found that could not be parsed, compared as digits; absent when none. */
  readonly unparsedPhones?: readonly UnparsedPhones[];
}

/**
 * Findings as a stream: the summary, and the findings' canonical JSON, one finding per string, in
 * the canonical order (system, table, primary key or row identity). `lines()` may be called more
 * than once and gives the same lines each time (a file re-read, an array re-walked). Memory held by
 * a source does not grow with the number of findings unless it is built from a document in memory.
 */
export interface FindingsSource {
  readonly summary: FindingsSummary;
  lines(): AsyncIterable<string>;
}

/** A document already in memory, as a source (small subjects, tests, the CLI's report). */
export function findingsSourceOf(document: FindingsDocument): FindingsSource {
  return {
    summary: {
      requestId: document.requestId,
      subject: document.subject,
      counts: document.counts,
      evidenceHash: document.evidenceHash,
      rows: document.findings.length,
      ...(document.unreadable ? { unreadable: document.unreadable } : {}),
      ...(document.notFollowed ? { notFollowed: document.notFollowed } : {}),
      ...(document.unparsedPhones ? { unparsedPhones: document.unparsedPhones } : {}),
    },
    async *lines() {
      // Each row's text as its searcher wrote it, where it did: not canonicalised again.
      const line = findingLineWriter();
      for (const finding of document.findings) yield line(finding);
    },
  };
}
