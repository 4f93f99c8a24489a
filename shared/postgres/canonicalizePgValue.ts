import { parse as parseArray } from 'postgres-array';
import { CanonicalJsonText, type CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJsonbText, parseJsonAsJsonb } from '../canonical/parseJsonAsJsonb';
import type { UnreadableValueError } from '../canonical/UnreadableValueError';
import type { PgTypeInfo } from './PgTypeInfo';
import { canonicalDate, canonicalTimestamp, canonicalTimestamptz } from './pgTimestamp';

/**
 * A `json`/`jsonb` value longer than this (UTF-16 code units of its text) is kept as canonical text
 * ({@link CanonicalJsonText}) rather than parsed into a tree. 1 Mi: the documents of ordinary rows
 * stay trees, a 20 MiB document costs a few times its text, not thirty.
 */
export const LARGE_JSON_CHARS = 1024 * 1024;

/**
 * Turns one value, as PostgreSQL printed it in text format, into its canonical form.
 *
 * The connection is opened with fixed output settings (`DateStyle=ISO`, `IntervalStyle=iso_8601`,
 * `bytea_output=hex`, `extra_float_digits=1`), so the text is stable; node-postgres' own parsers are
 * switched off because they round int8/numeric through doubles, truncate timestamps to
 * milliseconds and parse JSON numbers as doubles. `money` is read as `numeric` by the searcher
 * (its text follows `lc_monetary`). Throws {@link UnreadableValueError} for a value that has no
 * canonical form (a `json` string with a lone surrogate).
 */
export function canonicalizePgValue(text: string | null, type: PgTypeInfo): CanonicalValue {
  if (text === null) return null;
  switch (type.kind) {
    case 'int':
      return Number(text);
    case 'float':
      return /^(-?Infinity|NaN)$/.test(text) ? text : Number(text);
    case 'int8':
    case 'exact':
      return text;
    case 'bool':
      return text === 't';
    case 'timestamptz':
      return canonicalTimestamptz(text);
    case 'timestamp':
      return canonicalTimestamp(text);
    case 'date':
      return canonicalDate(text);
    case 'uuid':
      return text.toLowerCase();
    case 'bytea':
      return Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex').toString('base64');
    case 'json':
      // json and jsonb alike, read as text with jsonb's semantics (see parseJsonAsJsonb). A large
      // document is kept as its canonical text: the same bytes in the findings, without a tree.
      return text.length > LARGE_JSON_CHARS
        ? new CanonicalJsonText(canonicalJsonbText(text))
        : parseJsonAsJsonb(text);
    case 'array': {
      const element = type.element;
      if (!element) return text;
      // postgres-array returns nested arrays with null for NULL elements.
      return mapNested(parseArray(text) as unknown as Nested[], (item) => canonicalizePgValue(item, element));
    }
    default:
      return text;
  }
}

type Nested = string | null | Nested[];

function mapNested(values: Nested[], fn: (item: string | null) => CanonicalValue): CanonicalValue[] {
  return values.map((item) => (Array.isArray(item) ? mapNested(item, fn) : fn(item)));
}
