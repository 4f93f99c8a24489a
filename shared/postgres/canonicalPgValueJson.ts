import { canonicalJson } from '../canonical/canonicalJson';
import { needsJsonEscape } from '../canonical/needsJsonEscape';
import { canonicalJsonbText } from '../canonical/parseJsonAsJsonb';
import { writeCanonicalJsonb } from '../canonical/writeCanonicalJsonb';
import { canonicalizePgValue } from './canonicalizePgValue';
import type { PgTypeInfo } from './PgTypeInfo';

/** Pieces of one `jsonb` document, reused by every call (a call runs to its end without yielding). */
const JSON_PIECES: string[] = [];

/**
 * `canonicalJson(canonicalizePgValue(text, type))`, written from PostgreSQL's text without the value
 * in between where the canonical form allows it: an integer's digits as they are, a `json`/`jsonb`
 * document from its pieces by `writeCanonicalJsonb` (no tree), a string once through
 * `JSON.stringify`. The same text, and the same {@link UnreadableValueError} for a value without a
 * canonical form. A string, not pieces: a row's JSON is concatenated from its columns' texts and
 * flattened once, cheaper than joining an array of pieces per row (2.15–2.2 µs a row against
 * 1.95–2.0 for the bench's events written into a buffer, in a micro-benchmark of the row writer).
 */
export function canonicalPgValueJson(text: string | null, type: PgTypeInfo): string {
  if (text === null) return 'null';
  switch (type.kind) {
    case 'int':
      // int2/int4 print plain decimal digits, which is how JSON writes the number they are.
      return text;
    case 'float': {
      const number = Number(text);
      // NaN and ±Infinity are strings in the canonical form; the general path below writes them.
      if (Number.isFinite(number)) return JSON.stringify(number);
      break;
    }
    case 'bool':
      return text === 't' ? 'true' : 'false';
    case 'json': {
      // A large document is kept as this very text (CanonicalJsonText), a small one as a tree
      // whose canonical JSON it is.
      const pieces = JSON_PIECES;
      while (pieces.length > 0) pieces.pop();
      if (!writeCanonicalJsonb(text, pieces)) return canonicalJsonbText(text);
      const json = pieces.join('');
      while (pieces.length > 0) pieces.pop();
      return json;
    }
    case 'array':
      break;
    case 'int8':
    case 'exact':
      // Digits, a sign and a point (or NaN, Infinity): nothing JSON escapes.
      return `"${text}"`;
    default: {
      // Everything else is a string in the canonical form.
      const value = canonicalizePgValue(text, type) as string;
      return needsJsonEscape(value) ? JSON.stringify(value) : `"${value}"`;
    }
  }
  return canonicalJson(canonicalizePgValue(text, type));
}
