import type { CanonicalRow } from '../canonical/CanonicalValue';
import { UnreadableValueError } from '../canonical/UnreadableValueError';
import { rememberWrittenJson } from '../discovery/rowJsonOf';
import { canonicalizePgValue } from '../postgres/canonicalizePgValue';
import type { PgTypeRegistry } from '../postgres/PgTypeRegistry';
import { rowJsonFromText } from '../postgres/rowJsonFromText';

/**
 * Rows of an array-mode result in canonical form, the way discovery reads them, so their hashes
 * compare with the findings'. Fields named in `skip` (a `ctid`) are returned apart, as text. A value
 * without a canonical form is kept as null: the row's hash then differs from the finding's, and the
 * row is treated as changed.
 *
 * Given `only`, each row's canonical JSON is written straight from PostgreSQL's text, as discovery's
 * searcher writes it (`canonicalPgValueJson`), and remembered as the row's (`rowJsonOf`, so
 * `rowHash` hashes that text), and `row` holds only the columns in `only`: no value object per
 * other column, no tree per `jsonb` document. A row with a value without a canonical form is built
 * whole, as without `only`.
 */
export async function readCanonicalRows(
  types: PgTypeRegistry,
  result: { fields: readonly { name: string; dataTypeID: number }[]; rows: readonly (string | null)[][] },
  skip: readonly string[] = [],
  only?: readonly string[],
): Promise<{ row: CanonicalRow; extra: Record<string, string | null> }[]> {
  const resolved = await types.resolveAll(result.fields.map((f) => f.dataTypeID));
  const columns = result.fields
    .map((f, j) => ({ name: f.name, j, type: resolved[j] ?? { oid: f.dataTypeID, kind: 'text' as const } }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const extras = columns.filter((c) => skip.includes(c.name));
  const values = columns.filter((c) => !skip.includes(c.name));
  const whole = (raw: readonly (string | null)[]) => {
    const row: CanonicalRow = {};
    for (const c of values) {
      try {
        row[c.name] = canonicalizePgValue(raw[c.j] ?? null, c.type);
      } catch (error) {
        if (!(error instanceof UnreadableValueError)) throw error;
        row[c.name] = null;
      }
    }
    return row;
  };
  const extraOf = (raw: readonly (string | null)[]) => {
    const extra: Record<string, string | null> = {};
    for (const c of extras) extra[c.name] = raw[c.j] ?? null;
    return extra;
  };
  if (!only) return result.rows.map((raw) => ({ row: whole(raw), extra: extraOf(raw) }));
  const wanted = new Set(only);
  const write = rowJsonFromText(values, (column) => wanted.has(column));
  return result.rows.map((raw) => {
    const written = write(raw);
    if (!written) return { row: whole(raw), extra: extraOf(raw) };
    rememberWrittenJson(written.row, written.json);
    return { row: written.row, extra: extraOf(raw) };
  });
}
