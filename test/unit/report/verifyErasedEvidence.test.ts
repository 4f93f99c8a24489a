import { describe, expect, it } from 'vitest';
import type { CanonicalRow } from '../../../shared/canonical/CanonicalValue';
import { JsonNumber } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { sha256Hex } from '../../../shared/canonical/sha256';
import type { LedgerRecord } from '../../../shared/load/readLedger';
import type { LoadedFinding } from '../../../shared/load/readLoadedFindings';
import { valuesErasedOf, verifyErasedEvidence } from '../../../shared/report/verifyErasedEvidence';

const EVIDENCE = 'e'.repeat(64);

function finding(table: string, id: number, row: CanonicalRow): LoadedFinding {
  return {
    system: 'postgres',
    table,
    key: { id },
    row,
    provenance: [],
    rowHash: sha256Hex(canonicalJson(row)),
    evidenceHash: EVIDENCE,
    discoveredAt: '2026-03-01T09:00:00.000000Z',
    loadedAt: '2026-03-01T09:00:01.000000Z',
  };
}

/** As read back after a later erasure set ROW to NULL (readLoadedFindings gives `{}`). */
const removed = (f: LoadedFinding): LoadedFinding => ({ ...f, row: {} });

const evidence = [
  finding('public.customer', 1, { email: 'ana@example.com', id: 1 }),
  // A row that mentions two people, and an exact number beyond a double.
  finding('public.ticket', 7, { handled_by: 'staff@example.com', id: 7, requester: 'ana@example.com' }),
  finding('public.ledger', 9, { amount: new JsonNumber('12345678901234567890.12'), id: 9 }),
];
const loaded = { rows: 3, evidenceHash: EVIDENCE };
const erasedBy = (rows: number) => [{ byRequest: 'REQ-ERASE-9', at: '2026-04-01T10:00:00.000000Z', rows }];

describe('Function: verifyErasedEvidence', () => {
  it('verifies evidence whose values were removed as the erasure recorded', () => {
    const check = verifyErasedEvidence({ findings: evidence.map(removed), loaded, erased: erasedBy(3) });
    expect(check).toEqual({
      rows: 3,
      removed: 3,
      kept: 0,
      counts: { 'postgres public.customer': 1, 'postgres public.ledger': 1, 'postgres public.ticket': 1 },
      problems: [],
    });
  });

  it('verifies rows whose values remain against their row hashes', () => {
    const findings = [
      removed(evidence[0] as LoadedFinding),
      evidence[1] as LoadedFinding,
      evidence[2] as LoadedFinding,
    ];
    expect(verifyErasedEvidence({ findings, loaded, erased: erasedBy(1) })).toMatchObject({
      kept: 2,
      removed: 1,
      problems: [],
    });
  });

  it.each<[string, LoadedFinding[], number, RegExp]>([
    [
      'a remaining row changed',
      [
        removed(evidence[0] as LoadedFinding),
        { ...(evidence[1] as LoadedFinding), row: { id: 7, requester: 'x' } },
        evidence[2] as LoadedFinding,
      ],
      1,
      /1 row\(s\) of postgres public.ticket do not match their stored row hash/,
    ],
    [
      'more values removed than the erasure recorded',
      evidence.map(removed),
      2,
      /3 row\(s\) have no values, the erasure\(s\) recorded removing 2/,
    ],
    ['a row missing', evidence.slice(0, 2).map(removed), 2, /2 rows are landed, the ledger recorded 3/],
    [
      'a row under another evidence hash',
      [
        ...evidence.slice(0, 2).map(removed),
        { ...removed(evidence[2] as LoadedFinding), evidenceHash: 'f'.repeat(64) },
      ],
      3,
      /2 different evidence hashes/,
    ],
  ])('fails when %s', (_name, findings, rows, problem) => {
    const check = verifyErasedEvidence({ findings, loaded, erased: erasedBy(rows) });
    expect(check.problems.join('; ')).toMatch(problem);
  });

  it('fails when every row carries an evidence hash the ledger did not record at load', () => {
    const findings = evidence.map((f) => ({ ...removed(f), evidenceHash: 'd'.repeat(64) }));
    expect(verifyErasedEvidence({ findings, loaded, erased: erasedBy(3) }).problems).toEqual([
      `the landed rows carry evidence hash ${'d'.repeat(64)}, the ledger recorded ${EVIDENCE} at load`,
    ]);
  });

  it('reads the annotations from the history', () => {
    const record = (state: string, detail: LedgerRecord['detail']): LedgerRecord => ({
      requestId: 'REQ-A',
      state,
      stage: 'erase',
      at: '2026-04-01T10:00:00.000000Z',
      traceId: 't',
      detail,
      seq: null,
      prevHash: null,
      entryHash: null,
    });
    expect(
      valuesErasedOf([
        record('loaded', { rows: 3 }),
        record('values_erased', { byRequest: 'REQ-ERASE-9', rows: 3 }),
      ]),
    ).toEqual(erasedBy(3));
  });
});
