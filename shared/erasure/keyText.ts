import type { CanonicalObject, CanonicalRow } from '../canonical/CanonicalValue';

export function keyText(key: CanonicalObject | CanonicalRow, columns: readonly string[]): string {
  return JSON.stringify(columns.map((c) => String(key[c] ?? null)));
}
