import type { CanonicalObject, CanonicalRow } from '../canonical/CanonicalValue';

/**
 * A row's key as one string, for matching rows by key in memory (never stored): the key columns'
 * values as text, a one-column key as its value's text alone (no array to build and stringify per
 * row: the mapping stays one to one, as both sides of a match use this function).
 */
export function keyText(key: CanonicalObject | CanonicalRow, columns: readonly string[]): string {
  if (columns.length === 1) return String(key[columns[0] as string] ?? null);
  return JSON.stringify(columns.map((c) => String(key[c] ?? null)));
}
