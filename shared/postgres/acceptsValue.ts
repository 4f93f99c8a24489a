import { isIP } from 'node:net';
import { isWellFormedText } from '../canonical/isWellFormedText';
import type { PgColumn } from './readPgCatalog';

const INTEGER = /^[+-]?\d{1,20}$/;
const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE]([+-]?\d{1,6}))?$/;
/** An integer written with a fraction of zeros (`5.0`, as a `numeric` key prints it). */
const WHOLE_DECIMAL = /^([+-]?\d{1,20})\.0*$/;
const UUID_DIGITS = '[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}';
/** A uuid, bare or between braces (both or neither, as PostgreSQL reads it). */
const UUID = new RegExp(`^(?:${UUID_DIGITS}|\\{${UUID_DIGITS}\\})$`);
/**
 * `numeric`'s limits, with room for the digits before the exponent (a value is at most 1,000
 * characters here): 131,072 digits before the point, 16,383 after; beyond them it overflows.
 */
const NUMERIC_MAX_EXPONENT = 130000;
const NUMERIC_MIN_EXPONENT = -16383;
const INTEGER_RANGES: Record<number, [bigint, bigint]> = {
  21: [-(2n ** 15n), 2n ** 15n - 1n],
  23: [-(2n ** 31n), 2n ** 31n - 1n],
  20: [-(2n ** 63n), 2n ** 63n - 1n],
};

/**
 * Whether a search value can equal any value of the column (of any element, for an array). A value
 * the column's type cannot hold (`abc` for an integer column, `1.2.3` for an `inet`, a string with
 * NUL) matches nothing, so it is left out of the bind array instead of making the whole query fail
 * on a cast error.
 */
export function acceptsValue(column: PgColumn, value: string): boolean {
  return searchFormOf(column, value) !== undefined;
}

/**
 * The value as the search binds it for `column`, or undefined when the column cannot hold it (see
 * {@link acceptsValue}). An integer column is searched for `5` when the value is `5.0`: a value
 * learned from a `numeric` column prints its scale, and PostgreSQL finds `5.0 = 5`.
 */
export function searchFormOf(column: PgColumn, value: string): string | undefined {
  if (value.includes('\u0000') || !isWellFormedText(value)) return undefined;
  const typeOid = column.category === 'A' && column.element ? column.element.typeOid : column.typeOid;
  const whole = INTEGER_RANGES[typeOid] ? WHOLE_DECIMAL.exec(value)?.[1] : undefined;
  const form = whole ?? value;
  return acceptedBy(typeOid, form) ? form : undefined;
}

function acceptedBy(typeOid: number, value: string): boolean {
  const range = INTEGER_RANGES[typeOid];
  if (range) {
    if (!INTEGER.test(value)) return false;
    const n = BigInt(value);
    return n >= range[0] && n <= range[1];
  }
  if (typeOid === 1700) {
    const m = value.length <= 1000 ? NUMERIC.exec(value) : null;
    if (!m) return false;
    const exponent = Number(m[4] ?? 0);
    return exponent <= NUMERIC_MAX_EXPONENT && exponent >= NUMERIC_MIN_EXPONENT;
  }
  if (typeOid === 2950) return UUID.test(value);
  // inet/cidr: a bare IPv4 or IPv6 address (a zone id such as `%eth0` is not PostgreSQL syntax).
  if (typeOid === 869 || typeOid === 650) return !value.includes('%') && isIP(value) !== 0;
  return true;
}
