import { type CanonicalValue, JsonNumber } from './CanonicalValue';

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * A total order over canonical key values, used to sort findings by primary key: numbers (and
 * strings holding plain decimals, such as int8 and numeric) numerically and before anything else;
 * other strings by UTF-16 code units; anything else by its canonical JSON.
 */
export function compareCanonical(a: CanonicalValue, b: CanonicalValue): number {
  const da = decimalText(a);
  const db = decimalText(b);
  if (da !== undefined && db !== undefined) return compareDecimal(da, db);
  if (da !== undefined) return -1;
  if (db !== undefined) return 1;
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
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

/** Compares two plain decimal strings exactly, whatever their length. */
export function compareDecimal(a: string, b: string): number {
  const [signA, intA, fracA] = parts(a);
  const [signB, intB, fracB] = parts(b);
  if (intA === '0' && fracA === '' && intB === '0' && fracB === '') return 0;
  if (signA !== signB) return signA < signB ? -1 : 1;
  let magnitude: number;
  if (intA.length !== intB.length) magnitude = intA.length < intB.length ? -1 : 1;
  else if (intA !== intB) magnitude = intA < intB ? -1 : 1;
  else magnitude = fracA === fracB ? 0 : fracA < fracB ? -1 : 1;
  return signA * magnitude;
}

function parts(text: string): [number, string, string] {
  const negative = text.startsWith('-');
  const [int = '0', frac = ''] = (negative ? text.slice(1) : text).split('.');
  const intPart = int.replace(/^0+(?=\d)/, '');
  const fracPart = frac.replace(/0+$/, '');
  const zero = intPart === '0' && fracPart === '';
  return [negative && !zero ? -1 : 1, intPart, fracPart];
}
