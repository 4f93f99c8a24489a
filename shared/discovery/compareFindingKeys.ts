import type { CanonicalObject } from '../canonical/CanonicalValue';
import { compareCanonical } from '../canonical/compareCanonical';

/**
 * Orders two finding keys column by column in `order` (a table's primary key in data-map order, or
 * `KEYLESS_KEY`), each column with {@link compareCanonical}: the order findings are written in.
 */
export function compareFindingKeys(a: CanonicalObject, b: CanonicalObject, order: readonly string[]): number {
  for (const column of order) {
    const result = compareCanonical(a[column] ?? null, b[column] ?? null);
    if (result !== 0) return result;
  }
  return 0;
}
