import type { Normalization } from '../identity/Normalization';
import { TRIMMED_CHARACTERS } from '../identity/normalizeIdentifier';
import { quoteIdent } from './quoteIdent';
import type { PgColumn } from './readPgCatalog';

/** OIDs of the scalar types compared in their own type (so their b-tree indexes serve). */
const TYPED_SCALARS = new Set([
  21, // int2
  23, // int4
  20, // int8
  1700, // numeric
  2950, // uuid
  869, // inet: `203.0.113.7` equals `203.0.113.7/32`, whose text form differs
  650, // cidr
]);

/** How a column is compared with the search values, and what an index must look like to serve it. */
export type MatchKind =
  /** `column = ANY($1)` in the column's own type; a plain b-tree index serves. */
  | 'typed'
  /** `column::text = ANY($1)`: exact, but no index on the column serves it. */
  | 'as-text'
  /** `normalised(column) = ANY($1)`; an expression index on `normalised(column)` serves. */
  | 'normalized'
  /** `column && $1` (array overlap, any element equal); a GIN index on the column serves. */
  | 'array-overlap'
  /** `EXISTS (SELECT FROM unnest(column) …)`: each array element compared alone; no index serves. */
  | 'array-elements';

export interface MatchExpression {
  readonly kind: MatchKind;
  /** A boolean SQL condition, true when the column holds one of the values bound as `param`. */
  readonly condition: string;
  /**
   * For `typed`, `normalized` and `array-overlap`: the index expression that makes the search an
   * index scan, e.g. `lower(normalize(btrim("email", …), NFC))`; absent when no index can serve.
   */
  readonly indexExpression?: string;
  /** `btree` or `gin`, the access method of that index. */
  readonly indexMethod?: 'btree' | 'gin';
}

/**
 * Builds the SQL that matches a column against a bound list of search values, chosen by the
 * column's type and the identity kind's normalisation:
 *
 * - integers, numerics, uuids, `inet`/`cidr` and text are compared in their own type (`= ANY`);
 * - an array column matches when any element equals a value: `column && $1` for arrays of those
 *   types (GIN-indexable), element by element through `unnest` otherwise;
 * - a normalised identity applies the same rule as `normalizeIdentifier` to the column, to each
 *   element for an array;
 * - anything else is compared through its text form.
 *
 * Values are never part of the SQL; only `param` (e.g. `$1`) is.
 */
export function matchExpression(column: PgColumn, normalize: Normalization, param = '$1'): MatchExpression {
  const quoted = quoteIdent(column.name);
  const element = column.category === 'A' ? column.element : undefined;
  // Under a nondeterministic (case- or accent-insensitive) collation, `=` holds 'jose' and 'josé'
  // equal: text is compared in "C" instead, byte for byte, as the request's values are compared in
  // JavaScript. No index under the column's own collation serves that comparison.
  const loose = column.nondeterministicCollation !== undefined;
  const exact = loose ? ' COLLATE "C"' : '';
  if (normalize !== 'none') {
    if (element) {
      return {
        kind: 'array-elements',
        condition: `EXISTS (SELECT FROM unnest(${quoted}) AS m(v) WHERE ${normalizedSql(caseText(column, 'm.v'), normalize)}${exact} = ANY(${param}))`,
      };
    }
    const expression = normalizedSql(caseText(column, quoted), normalize);
    if (loose) return { kind: 'as-text', condition: `${expression}${exact} = ANY(${param})` };
    return {
      kind: 'normalized',
      condition: `${expression} = ANY(${param})`,
      indexExpression: expression,
      indexMethod: 'btree',
    };
  }
  if (loose && (column.category === 'S' || element?.category === 'S'))
    return element
      ? {
          kind: 'array-elements',
          condition: `EXISTS (SELECT FROM unnest(${quoted}) AS m(v) WHERE m.v::text${exact} = ANY(${param}))`,
        }
      : { kind: 'as-text', condition: `${quoted}::text${exact} = ANY(${param})` };
  if (element) {
    if (isTyped(element)) {
      return {
        kind: 'array-overlap',
        condition: `${quoted} && ${param}`,
        indexExpression: quoted,
        indexMethod: 'gin',
      };
    }
    return {
      kind: 'array-elements',
      condition: `EXISTS (SELECT FROM unnest(${quoted}) AS m(v) WHERE m.v::text = ANY(${param}))`,
    };
  }
  if (isTyped(column)) {
    return {
      kind: 'typed',
      condition: `${quoted} = ANY(${param})`,
      indexExpression: quoted,
      indexMethod: 'btree',
    };
  }
  return { kind: 'as-text', condition: `${quoted}::text = ANY(${param})` };
}

/**
 * A column's text as `lower()` must read it to lower it as the request's values are lowered: under
 * ICU's root collation where the column's own is Turkish or Azeri (`PgColumn.caseCollation`).
 */
export function caseText(column: PgColumn, expression: string): string {
  return column.caseCollation ? `${expression} COLLATE ${quoteIdent(column.caseCollation)}` : expression;
}

/** The SQL twin of `normalizeIdentifier` applied to a text expression. */
export function normalizedSql(expression: string, normalize: Exclude<Normalization, 'none'>): string {
  switch (normalize) {
    case 'lowercase':
      return `lower(normalize(btrim(${expression}, ${TRIM_LITERAL}), NFC))`;
    case 'digits':
    // Phone numbers are found through their digits (the same index serves), by candidate forms
    // of the number (`phoneSearchCandidates`); rows are then kept only if their number is it.
    case 'phone':
      return `regexp_replace(${expression}, '[^0-9]', '', 'g')`;
  }
}

function isTyped(type: { readonly typeOid: number; readonly category: string }): boolean {
  return TYPED_SCALARS.has(type.typeOid) || type.category === 'S';
}

/** {@link TRIMMED_CHARACTERS} as a PostgreSQL escape string (`E' \t…\u00a0…'`), ASCII only. */
const TRIM_LITERAL = `E'${[...TRIMMED_CHARACTERS]
  .map((ch) => {
    const code = ch.codePointAt(0) as number;
    return code === 0x20 ? ' ' : `\\u${code.toString(16).padStart(4, '0')}`;
  })
  .join('')}'`;
