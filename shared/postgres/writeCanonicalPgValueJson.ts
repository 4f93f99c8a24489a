import { canonicalJson } from '../canonical/canonicalJson';
import { needsJsonEscape } from '../canonical/needsJsonEscape';
import { canonicalJsonbText } from '../canonical/parseJsonAsJsonb';
import { writeCanonicalJsonb } from '../canonical/writeCanonicalJsonb';
import { canonicalizePgValue } from './canonicalizePgValue';
import type { PgTypeInfo } from './PgTypeInfo';

/**
 * Appends `canonicalJson(canonicalizePgValue(text, type))` to `parts`, written from PostgreSQL's
 * text without the value in between where the canonical form allows it: an integer's digits as
 * they are, a `json`/`jsonb` document in pieces by `writeCanonicalJsonb` (no tree), a string once
 * through `JSON.stringify`. The same bytes once the parts are joined, and the same
 * {@link UnreadableValueError} for a value without a canonical form (then `parts` may hold some of
 * the value: the caller drops the row).
 */
export function writeCanonicalPgValueJson(text: string | null, type: PgTypeInfo, parts: string[]): void {
  if (text === null) {
    parts.push('null');
    return;
  }
  switch (type.kind) {
    case 'int':
      // int2/int4 print plain decimal digits, which is how JSON writes the number they are.
      parts.push(text);
      return;
    case 'float': {
      const number = Number(text);
      // NaN and ±Infinity are strings in the canonical form; the general path below writes them.
      if (Number.isFinite(number)) {
        parts.push(JSON.stringify(number));
        return;
      }
      break;
    }
    case 'bool':
      parts.push(text === 't' ? 'true' : 'false');
      return;
    case 'json':
      // A large document is kept as this very text (CanonicalJsonText), a small one as a tree
      // whose canonical JSON it is.
      if (!writeCanonicalJsonb(text, parts)) parts.push(canonicalJsonbText(text));
      return;
    case 'array':
      break;
    case 'int8':
    case 'exact':
      // Digits, a sign and a point (or NaN, Infinity): nothing JSON escapes.
      parts.push('"', text, '"');
      return;
    default:
      // Everything else is a string in the canonical form.
      pushJsonString(canonicalizePgValue(text, type) as string, parts);
      return;
  }
  parts.push(canonicalJson(canonicalizePgValue(text, type)));
}

/** Appends `JSON.stringify(text)` to `parts`, without a copy of the text when nothing in it is escaped. */
function pushJsonString(text: string, parts: string[]): void {
  if (needsJsonEscape(text)) parts.push(JSON.stringify(text));
  else parts.push('"', text, '"');
}
