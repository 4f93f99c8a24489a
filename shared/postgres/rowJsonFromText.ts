import type { CanonicalRow } from '../canonical/CanonicalValue';
import { UnreadableValueError } from '../canonical/UnreadableValueError';
import { canonicalizePgValue } from './canonicalizePgValue';
import type { PgTypeInfo } from './PgTypeInfo';
import { writeCanonicalPgValueJson } from './writeCanonicalPgValueJson';

/** A column of an array-mode result: its name, its index in each row and its type. */
export interface TextColumn {
  readonly name: string;
  readonly j: number;
  readonly type: PgTypeInfo;
}

/**
 * A writer of each row's canonical JSON straight from PostgreSQL's text (`writeCanonicalPgValueJson`,
 * `columns` in the canonical, sorted order), with a row object holding as values only the columns
 * `keep` accepts: no value object per other column, no tree per `jsonb` document. It answers
 * `undefined` for a row holding a value without a canonical form, which the caller builds whole.
 */
export function rowJsonFromText(
  columns: readonly TextColumn[],
  keep: (column: string) => boolean,
): (raw: readonly (string | null)[]) => { row: CanonicalRow; json: string } | undefined {
  const writers = columns.map((c, i) => ({
    ...c,
    // `{"name":` before the first column, `,"name":` before the others.
    prefix: `${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:`,
    kept: keep(c.name),
  }));
  // One array of pieces, reused for every row and joined once per row: no string per member.
  const parts: string[] = [];
  return (raw) => {
    const row: CanonicalRow = {};
    // Emptied by popping: `parts.length = 0` would give up the array's storage, and every row
    // would allocate it again as it grows.
    while (parts.length > 0) parts.pop();
    try {
      for (const c of writers) {
        const text = raw[c.j] ?? null;
        parts.push(c.prefix);
        writeCanonicalPgValueJson(text, c.type, parts);
        if (c.kept) row[c.name] = canonicalizePgValue(text, c.type);
      }
    } catch (error) {
      if (!(error instanceof UnreadableValueError)) throw error;
      return undefined;
    }
    parts.push(writers.length === 0 ? '{}' : '}');
    return { row, json: parts.join('') };
  };
}
