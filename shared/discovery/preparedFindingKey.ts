import type { CanonicalObject, CanonicalValue } from '../canonical/CanonicalValue';
import { JsonNumber } from '../canonical/CanonicalValue';

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * One key column made ready for comparing: a plain decimal split into sign, integer digits (no
 * leading zeros) and fraction digits (no trailing zeros), or the text anything else sorts by.
 */
type PreparedValue =
  | {
      readonly decimal: true;
      readonly sign: number;
      readonly int: string;
      readonly frac: string;
      readonly zero: boolean;
    }
  | { readonly decimal: false; readonly text: string };

/** A finding key's columns, in the order findings are sorted by, each prepared once. */
export type PreparedFindingKey = readonly PreparedValue[];

/**
 * Prepares `key` for {@link comparePreparedFindingKeys}, which orders prepared keys exactly as
 * `compareFindingKeys(a, b, order)` orders the keys: each value's decimal test, split and text are
 * computed once per row rather than once per comparison (a sort and a k-way merge compare each
 * row many times).
 */
export function preparedFindingKey(key: CanonicalObject, order: readonly string[]): PreparedFindingKey {
  return order.map((column) => prepare(key[column] ?? null));
}

/** The order of `compareFindingKeys` over keys prepared with the same column order. */
export function comparePreparedFindingKeys(a: PreparedFindingKey, b: PreparedFindingKey): number {
  for (let i = 0; i < a.length; i++) {
    const result = compareValues(a[i] as PreparedValue, b[i] as PreparedValue);
    if (result !== 0) return result;
  }
  return 0;
}

/**
 * A copy of `items` sorted by their `key` as `compareFindingKeys(a.key, b.key, order)` sorts them,
 * each key prepared once; items whose keys compare equal keep their order.
 */
export function sortedByFindingKey<T extends { readonly key: CanonicalObject }>(
  items: readonly T[],
  order: readonly string[],
): T[] {
  return items
    .map((item) => ({ item, key: preparedFindingKey(item.key, order) }))
    .sort((a, b) => comparePreparedFindingKeys(a.key, b.key))
    .map((p) => p.item);
}

function prepare(value: CanonicalValue): PreparedValue {
  if (typeof value === 'string') return prepareDigits(value) ?? prepareAny(value);
  return prepareAny(value);
}

/**
 * A string of plain decimal digits (an int8 or numeric key), split with one scan and no regular
 * expression; undefined when it is not one (`prepareAny` decides then).
 */
function prepareDigits(text: string): PreparedValue | undefined {
  const negative = text.charCodeAt(0) === 0x2d; // -
  let i = negative ? 1 : 0;
  const start = i;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  const intEnd = i;
  if (intEnd === start) return undefined;
  let fracEnd = i;
  if (i < text.length) {
    if (text.charCodeAt(i) !== 0x2e || i + 1 === text.length) return undefined; // .
    for (i++; i < text.length; i++) if (!isDigit(text.charCodeAt(i))) return undefined;
    fracEnd = i;
    while (fracEnd > intEnd + 1 && text.charCodeAt(fracEnd - 1) === 0x30) fracEnd--;
  }
  // Leading zeros off the integer digits (one digit stays), trailing zeros off the fraction.
  let intStart = start;
  while (intStart < intEnd - 1 && text.charCodeAt(intStart) === 0x30) intStart++;
  const int = intStart === 0 && intEnd === text.length ? text : text.slice(intStart, intEnd);
  const frac = fracEnd > intEnd + 1 ? text.slice(intEnd + 1, fracEnd) : '';
  const zero = int === '0' && frac === '';
  return { decimal: true, sign: negative && !zero ? -1 : 1, int, frac, zero };
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function prepareAny(value: CanonicalValue): PreparedValue {
  const text = decimalText(value);
  if (text === undefined)
    return { decimal: false, text: typeof value === 'string' ? value : JSON.stringify(value) };
  const negative = text.startsWith('-');
  const [int = '0', frac = ''] = (negative ? text.slice(1) : text).split('.');
  const intPart = int.replace(/^0+(?=\d)/, '');
  const fracPart = frac.replace(/0+$/, '');
  const zero = intPart === '0' && fracPart === '';
  return { decimal: true, sign: negative && !zero ? -1 : 1, int: intPart, frac: fracPart, zero };
}

function compareValues(a: PreparedValue, b: PreparedValue): number {
  if (a.decimal && b.decimal) {
    if (a.zero && b.zero) return 0;
    if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
    let magnitude: number;
    if (a.int.length !== b.int.length) magnitude = a.int.length < b.int.length ? -1 : 1;
    else if (a.int !== b.int) magnitude = a.int < b.int ? -1 : 1;
    else magnitude = a.frac === b.frac ? 0 : a.frac < b.frac ? -1 : 1;
    return a.sign * magnitude;
  }
  if (a.decimal) return -1;
  if (b.decimal) return 1;
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

function decimalText(value: CanonicalValue): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const text = String(value);
    return DECIMAL.test(text) ? text : undefined; // 1e+21 and friends sort as text
  }
  if (typeof value === 'string' || value instanceof JsonNumber) {
    const text = String(value);
    return DECIMAL.test(text) ? text : undefined;
  }
  return undefined;
}
