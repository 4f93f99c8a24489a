import type { CanonicalRow } from '../canonical/CanonicalValue';
import { sha256Hex } from '../canonical/sha256';
import { rowJsonOf } from '../discovery/rowJsonOf';

/**
 * SHA-256 of a row's canonical JSON: the same hash discovery gives a keyless row. A row discovery
 * read as text is hashed from the JSON its searcher wrote (`rowJsonOf`), not canonicalised again.
 */
export function rowHash(row: CanonicalRow): string {
  return sha256Hex(rowJsonOf(row));
}
