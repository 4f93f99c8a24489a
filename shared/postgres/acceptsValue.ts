import { isWellFormedText } from '../identity/isWellFormedText';
import type { PgColumn } from './readPgCatalog';

const INTEGER = /^[+-]?\d{1,20}$/;
const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const UUID = /^\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?$/;
const INTEGER_RANGES: Record<number, [bigint, bigint]> = {
  21: [-(2n ** 15n), 2n ** 15n - 1n],
  23: [-(2n ** 31n), 2n ** 31n - 1n],
  20: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** How a column is compared with a list of text values in SQL. */
export type Comparison = 'typed' | 'as-text';

/**
 * Whether a search value can equal any value of the column. A value the column's type cannot hold
 * (`abc` for an integer column, a string with NUL) matches nothing, so it is left out of the bind
 * array instead of making the whole query fail on a cast error.
 */
export function acceptsValue(column: PgColumn, value: string): boolean {
  if (value.includes('\u0000') || !isWellFormedText(value)) return false;
  const range = INTEGER_RANGES[column.typeOid];
  if (range) {
    if (!INTEGER.test(value)) return false;
    const n = BigInt(value);
    return n >= range[0] && n <= range[1];
  }
  if (column.typeOid === 1700) return NUMERIC.test(value);
  if (column.typeOid === 2950) return UUID.test(value);
  return true;
}

/**
 * Integer, numeric, uuid and text columns are compared in their own type (so their indexes serve);
 * any other type is compared through its text form, which every value can be cast to.
 */
export function comparisonFor(column: PgColumn): Comparison {
  return INTEGER_RANGES[column.typeOid] ||
    column.typeOid === 1700 ||
    column.typeOid === 2950 ||
    column.category === 'S'
    ? 'typed'
    : 'as-text';
}
