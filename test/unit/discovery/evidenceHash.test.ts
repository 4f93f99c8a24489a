import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type CanonicalValue, JsonNumber } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import {
  evidenceHash,
  type Finding,
  type FindingsDocument,
} from '../../../shared/discovery/FindingsDocument';
import { findingsSourceOf } from '../../../shared/discovery/FindingsStream';
import type { ProvenanceEntry } from '../../../shared/discovery/Provenance';
import { rememberWrittenJson } from '../../../shared/discovery/rowJsonOf';
import { withoutColumns } from '../../../shared/erasure/planErasure';
import { rowHash } from '../../../shared/erasure/rowHash';

const byEmail: ProvenanceEntry = {
  column: 'email',
  identity: 'email',
  round: 1,
  source: 'request',
  via: 'identity',
};
const followed: ProvenanceEntry = {
  column: 'owner',
  from: 'postgres:public.users.id',
  round: 2,
  via: 'follow',
};

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A finding whose row a searcher wrote as JSON (remembered), like the in-memory discovery's. */
function written(n: number): Finding {
  const row = { doc: { a: [1, 'x'], b: null }, id: new JsonNumber(String(n)), note: `ü${n} "q"` };
  rememberWrittenJson(row, canonicalJson(row));
  return {
    key: { id: new JsonNumber(String(n)) },
    provenance: n % 3 === 0 ? [byEmail, followed] : [n % 2 === 0 ? byEmail : followed],
    row,
    system: 'postgres',
    table: 'public.t',
  };
}

describe('Function: evidenceHash', () => {
  it.each([0, 1, 5000])(
    'hashes %i findings whose rows were written as JSON to the SHA-256 of their canonical JSON',
    (n) => {
      // Prepare: 5,000 findings are several of the digest's chunks
      const findings = Array.from({ length: n }, (_, i) => written(i + 1));

      // Act
      const hash = evidenceHash(findings);

      // Assess
      expect(hash).toBe(sha256(canonicalJson(findings as unknown as CanonicalValue)));
    },
  );

  it('hashes a finding read back from a document with every member it has, and rows not written as JSON', () => {
    // Prepare: one finding carries a member discovery never writes; one row was not remembered
    const plain: Finding = { ...written(1), row: { id: 1, note: 'not remembered' } };
    const tampered = { ...written(2), extra: 'added' } as Finding;
    const findings = [plain, tampered, written(3)];

    // Act
    const hash = evidenceHash(findings);

    // Assess: the extra member counts, as it would in the document's canonical JSON
    expect(hash).toBe(sha256(canonicalJson(findings as unknown as CanonicalValue)));
    expect(hash).not.toBe(evidenceHash([plain, written(2), written(3)]));
  });

  it('gives a remembered row the row hash of its canonical JSON', () => {
    const { row } = written(7);
    expect(rowHash(row)).toBe(sha256(canonicalJson(row)));
  });

  it("does not carry a row's remembered text to rows built from it", () => {
    // Prepare: a remembered row, and its text made wrong on purpose
    const row = { id: 1, note: 'secret' };
    rememberWrittenJson(row, '{"id":1,"note":"as written"}');

    // Act: a copy, a row less a masked column, and the row as JSON
    const copy = { ...row };
    const rest = withoutColumns(row, new Set(['note']));

    // Assess: only the row itself answers with the remembered text
    expect(rowHash(row)).toBe(sha256('{"id":1,"note":"as written"}'));
    expect(rowHash(copy)).toBe(sha256('{"id":1,"note":"secret"}'));
    expect(rowHash(rest)).toBe(sha256('{"id":1}'));
    expect(canonicalJson(row)).toBe('{"id":1,"note":"secret"}');
    expect(Object.keys(row)).toEqual(['id', 'note']);
  });

  it("hands a document's findings on as their canonical JSON lines, written rows from their text", async () => {
    // Prepare: rows written as JSON, one not remembered, one with a member discovery never writes
    const findings = [
      written(1),
      { ...written(2), row: { id: 2, note: 'not remembered' } },
      { ...written(3), extra: 'added' } as Finding,
      written(6),
    ];
    const document = { findings, evidenceHash: evidenceHash(findings) } as unknown as FindingsDocument;

    // Act
    const lines: string[] = [];
    for await (const line of findingsSourceOf(document).lines()) lines.push(line);

    // Assess: each line is the finding's canonical JSON, and they hash to the evidence hash
    expect(lines).toEqual(findings.map((f) => canonicalJson(f as unknown as CanonicalValue)));
    expect(sha256(`[${lines.join(',')}]`)).toBe(document.evidenceHash);
  });
});
