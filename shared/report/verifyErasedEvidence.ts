import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { sha256Hex } from '../canonical/sha256';
import type { LedgerRecord } from '../load/readLedger';
import type { LoadedFinding } from '../load/readLoadedFindings';

/** A `values_erased` annotation: a later erasure of the subject removed this request's row values. */
export interface ValuesErased {
  /** The erasure request that removed them. */
  readonly byRequest: string;
  /** When (the annotation's time, as the ledger reads it back). */
  readonly at: string;
  /** How many rows' values it removed. */
  readonly rows: number;
}

/** The `values_erased` annotations of a request's history, oldest first. */
export function valuesErasedOf(history: readonly LedgerRecord[]): ValuesErased[] {
  return history
    .filter((e) => e.state === 'values_erased')
    .map((e) => ({
      byRequest: String(e.detail?.byRequest ?? ''),
      at: e.at,
      rows: Number(String(e.detail?.rows ?? Number.NaN)),
    }));
}

/** What the check of evidence whose values were removed found. */
export interface ErasedEvidenceCheck {
  readonly rows: number;
  /** Rows whose values were removed (ROW is NULL). */
  readonly removed: number;
  /** Rows whose values remain, each matching its stored hash. */
  readonly kept: number;
  /** Rows per system and table, as landed. */
  readonly counts: Readonly<Record<string, number>>;
  /** What does not agree; empty when the evidence verifies. */
  readonly problems: readonly string[];
}

const EMPTY_ROW_HASH = sha256Hex('{}');

/**
 * Verifies the evidence of a request whose row values a later erasure removed. The evidence hash
 * covers the values, so it cannot be recomputed; everything else is checked instead: every landed
 * row still carries the one evidence hash the ledger recorded at load, as many rows landed as the
 * load recorded, every row that still holds values matches its stored row hash, and the rows
 * without values are exactly as many as the `values_erased` annotations say were removed. A row
 * changed rather than removed, an extra or a missing row, or values removed beyond what an erasure
 * recorded fail the check. Tables, counts and hashes only.
 */
export function verifyErasedEvidence(input: {
  readonly findings: readonly LoadedFinding[];
  /** The `loaded` entry's detail: `rows` and `evidenceHash`, as the load recorded them. */
  readonly loaded: Readonly<Record<string, unknown>>;
  readonly erased: readonly ValuesErased[];
}): ErasedEvidenceCheck {
  const { findings, loaded, erased } = input;
  const problems: string[] = [];
  const counts: Record<string, number> = {};
  let removed = 0;
  let kept = 0;
  const changed = new Map<string, number>();
  for (const f of findings) {
    const table = `${f.system} ${f.table}`;
    counts[table] = (counts[table] ?? 0) + 1;
    const hash = sha256Hex(canonicalJson(f.row as CanonicalValue));
    if (hash === f.rowHash) kept++;
    // A row read back as NULL has no columns; a row the subject was found in always has some.
    else if (Object.keys(f.row).length === 0 && f.rowHash !== EMPTY_ROW_HASH) removed++;
    else changed.set(table, (changed.get(table) ?? 0) + 1);
  }
  for (const [table, n] of changed)
    problems.push(`${n} row(s) of ${table} do not match their stored row hash`);
  const stored = [...new Set(findings.map((f) => f.evidenceHash))];
  if (stored.length > 1) problems.push(`the landed rows carry ${stored.length} different evidence hashes`);
  if (typeof loaded.evidenceHash === 'string' && stored.length === 1 && stored[0] !== loaded.evidenceHash)
    problems.push(
      `the landed rows carry evidence hash ${stored[0]}, the ledger recorded ${loaded.evidenceHash} at load`,
    );
  const loadedRows = Number(String(loaded.rows ?? Number.NaN));
  if (Number.isFinite(loadedRows) && loadedRows !== findings.length)
    problems.push(`${findings.length} rows are landed, the ledger recorded ${loadedRows} at load`);
  const announced = erased.reduce((sum, e) => sum + e.rows, 0);
  if (erased.some((e) => !Number.isInteger(e.rows) || e.byRequest === ''))
    problems.push('a values_erased entry does not record the erasure request and its row count');
  else if (announced !== removed)
    problems.push(
      `${removed} row(s) have no values, the erasure(s) recorded removing ${announced} (${erased.map((e) => e.byRequest).join(', ')})`,
    );
  return { rows: findings.length, removed, kept, counts, problems };
}
