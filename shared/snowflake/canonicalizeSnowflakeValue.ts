import type { CanonicalValue } from '../canonical/CanonicalValue';
import { parseExactJson } from '../canonical/parseExactJson';

/** A result column as the driver describes it: `getType()` is lower case (`fixed`, `text`, `timestamp_tz`, …). */
export interface SnowflakeResultColumn {
  readonly name: string;
  readonly type: string;
  readonly scale: number;
  readonly precision: number;
}

/** The driver's timestamps and dates: a Date with the exact epoch seconds and nanoseconds beside it. */
interface SfDate extends Date {
  getEpochSeconds(): number;
  getNanoSeconds(): number;
}

/**
 * Turns one value, as the driver hands it over, into canonical form. The connection fetches NUMBER
 * and VARIANT as text (`fetchAsString: ['Number', 'JSON']`), so exact digits never pass through a
 * double:
 * - NUMBER → its exact decimal text (as `int8`/`numeric` are in PostgreSQL); FLOAT → a JS number,
 *   `NaN`/`inf` as text;
 * - VARIANT, OBJECT, ARRAY → parsed losslessly ({@link parseExactJson});
 * - TIMESTAMP_TZ/LTZ → UTC ISO-8601 with six fractional digits and `Z` (as `timestamptz`), NTZ
 *   the same without `Z`; DATE → `YYYY-MM-DD`;
 * - BINARY → base64 (as `bytea`); TEXT, TIME → as given; BOOLEAN → boolean.
 */
export function canonicalizeSnowflakeValue(value: unknown, column: SnowflakeResultColumn): CanonicalValue {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case 'fixed':
      return String(value);
    case 'real': {
      const text = String(value);
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case 'variant':
    case 'object':
    case 'array':
    case 'map':
      return typeof value === 'string' ? parseExactJson(value) : parseExactJson(JSON.stringify(value));
    case 'timestamp_tz':
    case 'timestamp_ltz':
      return isoFromSfDate(value, true);
    case 'timestamp_ntz':
      return isoFromSfDate(value, false);
    case 'date':
      return isoFromSfDate(value, false).slice(0, -16);
    case 'binary':
      return Buffer.isBuffer(value)
        ? value.toString('base64')
        : Buffer.from(String(value), 'hex').toString('base64');
    case 'boolean':
      return typeof value === 'boolean' ? value : value === 'true' || value === '1' || value === 1;
    default:
      return typeof value === 'string' ? value : String(value);
  }
}

/** `YYYY-MM-DDTHH:MM:SS.ffffff[Z]` from the driver's epoch seconds and nanoseconds (UTC). */
function isoFromSfDate(value: unknown, withZone: boolean): string {
  const date = value as Partial<SfDate>;
  let seconds: number;
  let nanos: number;
  if (typeof date.getEpochSeconds === 'function' && typeof date.getNanoSeconds === 'function') {
    seconds = date.getEpochSeconds();
    nanos = date.getNanoSeconds();
  } else if (value instanceof Date) {
    const ms = value.getTime();
    seconds = Math.floor(ms / 1000);
    nanos = (ms - seconds * 1000) * 1_000_000;
  } else {
    return String(value);
  }
  const iso = new Date(seconds * 1000).toISOString(); // …T03:04:05.000Z
  const micros = String(Math.floor(nanos / 1000)).padStart(6, '0');
  return `${iso.slice(0, -5)}.${micros}${withZone ? 'Z' : ''}`;
}
