import type { CanonicalValue } from '../../canonical/CanonicalValue';
import { CanonicalJsonText, JsonNumber } from '../../canonical/CanonicalValue';
import { canonicalJson } from '../../canonical/canonicalJson';

/** A number as canonical form writes exact numbers (int8, numeric): plain digits, never a formula. */
const DECIMAL = /^-?\d+(\.\d+)?$/;
/**
 * First characters a spreadsheet reads as the start of a formula (OWASP, CSV injection), with the
 * full-width forms some spreadsheets normalise to them.
 */
const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']);

/**
 * One value as a CSV cell a spreadsheet cannot run: as OWASP recommends for CSV injection, a text
 * that begins with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`, so it is read as
 * text (quoting is left to the CSV writer). Numbers, including exact decimal strings such as
 * `-12.50`, are left as they are. The JSON files beside the CSV keep every value exactly.
 */
export function csvCell(value: CanonicalValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof JsonNumber) return value.text;
  if (value instanceof CanonicalJsonText) return value.text;
  if (typeof value !== 'string') return canonicalJson(value);
  if (DECIMAL.test(value)) return value;
  return FORMULA_START.has(value[0] ?? '') ? `'${value}` : value;
}
