import type { CanonicalRow } from '../canonical/CanonicalValue';
import { UnreadableValueError } from '../canonical/UnreadableValueError';
import { canonicalizePgValue } from './canonicalizePgValue';
import { canonicalPgValueJson } from './canonicalPgValueJson';
import type { PgTypeInfo } from './PgTypeInfo';

/** A column of an array-mode result: its name, its index in each row and its type. */
export interface TextColumn {
  readonly name: string;
  readonly j: number;
  readonly type: PgTypeInfo;
}

/**
 * A writer of each row's canonical JSON straight from PostgreSQL's text (`canonicalPgValueJson`,
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
  return (raw) => {
    const row: CanonicalRow = {};
    // Concatenated, not joined from an array of pieces (see `canonicalPgValueJson`), then made one
    // flat string at once: a row's text held in memory (an erasure's discovery holds every row's)
    // would otherwise keep every piece of the concatenation (488 bytes a row more, measured over
    // 200,000 of the bench's events with `--expose-gc`; 19 flattened, as joined).
    let json = '';
    try {
      for (const c of writers) {
        const text = raw[c.j] ?? null;
        json += c.prefix;
        json += canonicalPgValueJson(text, c.type);
        if (c.kept) row[c.name] = canonicalizePgValue(text, c.type);
      }
    } catch (error) {
      if (!(error instanceof UnreadableValueError)) throw error;
      return undefined;
    }
    json += writers.length === 0 ? '{}' : '}';
    // Reading a character flattens the concatenation in V8.
    json.charCodeAt(0);
    return { row, json };
  };
}
