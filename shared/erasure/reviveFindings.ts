import { type CanonicalObject, type CanonicalValue, JsonNumber } from '../canonical/CanonicalValue';
import type { Finding } from '../discovery/FindingsDocument';

/**
 * Findings read back from their canonical JSON (a hand-off part, parsed exactly) with the column
 * values discovery gave them: a number parsed as {@link JsonNumber} at the top of a row or key, or
 * as an element of a top-level array, becomes the JavaScript number discovery had (a canonical row
 * holds integers that fit a double and finite floats as numbers, exact numbers as strings) when the
 * number writes back as the same text; otherwise, and inside JSON documents, it stays exact. The
 * canonical JSON, and so every row hash and the evidence hash, is unchanged; the erasure executors
 * bind such values and compare them as text.
 */
export function reviveFindings(findings: readonly Finding[]): Finding[] {
  return findings.map((f) => ({ ...f, key: reviveObject(f.key), row: reviveObject(f.row) }));
}

function reviveObject(object: CanonicalObject): CanonicalObject {
  const out: CanonicalObject = {};
  for (const [k, v] of Object.entries(object)) out[k] = Array.isArray(v) ? v.map(revive) : revive(v);
  return out;
}

function revive(value: CanonicalValue): CanonicalValue {
  if (!(value instanceof JsonNumber)) return value;
  const n = Number(value.text);
  return Number.isFinite(n) && String(n) === value.text ? n : value;
}
