import { isIP } from 'node:net';
import { isWellFormedText } from '../canonical/isWellFormedText';
import type { PgColumn } from './readPgCatalog';

const INTEGER = /^[+-]?\d{1,20}$/;
const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const UUID = /^\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?$/;
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
  if (value.includes('\u0000') || !isWellFormedText(value)) return false;
  return acceptedBy(
    column.category === 'A' && column.element ? column.element.typeOid : column.typeOid,
    value,
  );
}

function acceptedBy(typeOid: number, value: string): boolean {
  const range = INTEGER_RANGES[typeOid];
  if (range) {
    if (!INTEGER.test(value)) return false;
    const n = BigInt(value);
    return n >= range[0] && n <= range[1];
  }
  if (typeOid === 1700) return NUMERIC.test(value);
  if (typeOid === 2950) return UUID.test(value);
  // inet/cidr: a bare IPv4 or IPv6 address (a zone id such as `%eth0` is not PostgreSQL syntax).
  if (typeOid === 869 || typeOid === 650) return !value.includes('%') && isIP(value) !== 0;
  return true;
}
