import type { CanonicalRow } from '../canonical/CanonicalValue';
import { UnreadableValueError } from '../canonical/UnreadableValueError';
import { canonicalizePgValue } from '../postgres/canonicalizePgValue';
import type { PgTypeRegistry } from '../postgres/PgTypeRegistry';

/**
 * Rows of an array-mode result in canonical form, the way discovery reads them, so their hashes
 * compare with the findings'. Fields named in `skip` (a `ctid`) are returned apart, as text. A value
 * without a canonical form is kept as null: the row's hash then differs from the finding's, and the
 * row is treated as changed.
 */
export async function readCanonicalRows(
  types: PgTypeRegistry,
  result: { fields: readonly { name: string; dataTypeID: number }[]; rows: readonly (string | null)[][] },
  skip: readonly string[] = [],
): Promise<{ row: CanonicalRow; extra: Record<string, string | null> }[]> {
  const resolved = await types.resolveAll(result.fields.map((f) => f.dataTypeID));
  const columns = result.fields
    .map((f, j) => ({ name: f.name, j, type: resolved[j] ?? { oid: f.dataTypeID, kind: 'text' as const } }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return result.rows.map((raw) => {
    const row: CanonicalRow = {};
    const extra: Record<string, string | null> = {};
    for (const c of columns) {
      if (skip.includes(c.name)) {
        extra[c.name] = raw[c.j] ?? null;
        continue;
      }
      try {
        row[c.name] = canonicalizePgValue(raw[c.j] ?? null, c.type);
      } catch (error) {
        if (!(error instanceof UnreadableValueError)) throw error;
        row[c.name] = null;
      }
    }
    return { row, extra };
  });
}
