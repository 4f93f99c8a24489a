import type { CanonicalRow, CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { sha256Hex } from '../canonical/sha256';

/** SHA-256 of a row's canonical JSON: the same hash discovery gives a keyless row. */
export function rowHash(row: CanonicalRow): string {
  return sha256Hex(canonicalJson(row as CanonicalValue));
}
