/**
 * Conversions of PostgreSQL's ISO timestamp text (the session runs with `DateStyle=ISO`) into the
 * canonical form: ISO-8601 with exactly six fractional digits; `timestamptz` in UTC with `Z`.
 *
 * Microseconds are carried as text beside a millisecond-free `Date`, so no precision is lost, and
 * any session time zone (including historical offsets with seconds, such as `+00:53:28`) gives the
 * same instant.
 */
const TIMESTAMP =
  /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?)?( BC)?$/;

/** `timestamptz` text → `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC. Infinity and out-of-range values keep PostgreSQL's text. */
export function canonicalTimestamptz(text: string): string {
  return convert(text, true);
}

/** `timestamp` text → `YYYY-MM-DDTHH:MM:SS.ffffff`, no zone. */
export function canonicalTimestamp(text: string): string {
  return convert(text, false);
}

function convert(text: string, withZone: boolean): string {
  return convertCommon(text, withZone) ?? convertAny(text, withZone);
}

/** `0`–`9` at `i` as a number, or -1. */
function digitAt(text: string, i: number): number {
  const c = text.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/** Two digits at `i` as a number, or -1. */
function twoDigits(text: string, i: number): number {
  const a = digitAt(text, i);
  const b = digitAt(text, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * The common shape, read without a regular expression or a `Date` when it can be: a four-digit
 * year from 1000 (AD), seconds with up to six fractional digits, and for `timestamptz` an offset of
 * whole hours, minutes or seconds. A zero offset (or none) is rearranged as text; another offset is
 * applied with `Date.UTC`. Undefined for anything else (BC, other years, infinity): the general
 * conversion below takes it. Gives the same text as the general conversion wherever it answers.
 */
function convertCommon(text: string, withZone: boolean): string | undefined {
  // YYYY-MM-DD HH:MM:SS
  if (text.length < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  if (text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58)
    return undefined;
  const y1 = digitAt(text, 0);
  const y2 = twoDigits(text, 1);
  const y3 = digitAt(text, 3);
  const mo = twoDigits(text, 5);
  const d = twoDigits(text, 8);
  const h = twoDigits(text, 11);
  const mi = twoDigits(text, 14);
  const s = twoDigits(text, 17);
  if (y1 < 1 || y2 < 0 || y3 < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23) return undefined;
  if (mi < 0 || mi > 59 || s < 0 || s > 59) return undefined;
  let i = 19;
  let frac = '';
  if (text.charCodeAt(i) === 46) {
    const start = ++i;
    while (i < text.length && i - start < 6 && digitAt(text, i) >= 0) i++;
    if (i === start) return undefined;
    frac = text.slice(start, i);
  }
  const fraction = frac.length === 6 ? frac : frac.padEnd(6, '0');
  if (i === text.length) {
    // No offset: a timestamp, or a timestamptz PostgreSQL printed without one (never, with ISO).
    return withZone ? undefined : `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction}`;
  }
  if (!withZone) return undefined;
  const sign = text.charCodeAt(i);
  if (sign !== 43 && sign !== 45) return undefined;
  const oh = twoDigits(text, i + 1);
  if (oh < 0) return undefined;
  i += 3;
  let om = 0;
  let os = 0;
  if (text.charCodeAt(i) === 58) {
    om = twoDigits(text, i + 1);
    if (om < 0) return undefined;
    i += 3;
    if (text.charCodeAt(i) === 58) {
      os = twoDigits(text, i + 1);
      if (os < 0) return undefined;
      i += 3;
    }
  }
  if (i !== text.length) return undefined; // BC, or more than the shape
  const offsetSeconds = oh * 3600 + om * 60 + os;
  if (offsetSeconds === 0) return `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction}Z`;
  const year = y1 * 1000 + y2 * 10 + y3;
  const ms = Date.UTC(year, mo - 1, d, h, mi, s) - (sign === 45 ? -1 : 1) * offsetSeconds * 1000;
  const iso = new Date(ms).toISOString();
  // A day that does not exist in its month (never printed by PostgreSQL) rolls over in Date.UTC as
  // in setUTCFullYear; years from 1000 stay four digits after an offset of under a day.
  return iso.length === 24 ? `${iso.slice(0, 19)}.${fraction}Z` : undefined;
}

function convertAny(text: string, withZone: boolean): string {
  const m = TIMESTAMP.exec(text);
  if (!m) return text; // 'infinity', '-infinity'
  const [, y, mo, d, h, mi, s, frac = '', sign, oh = '0', om = '0', os = '0', bc] = m;
  const year = bc ? 1 - Number(y) : Number(y); // 1 BC is astronomical year 0
  const date = new Date(0);
  date.setUTCFullYear(year, Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), 0);
  const offsetSeconds =
    withZone && sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60 + Number(os)) : 0;
  const instant = new Date(date.getTime() - offsetSeconds * 1000);
  if (Number.isNaN(instant.getTime())) return text;
  const iso = instant.toISOString(); // …T03:04:05.000Z; extended years carry a sign
  return `${iso.slice(0, -5)}.${frac.padEnd(6, '0')}${withZone ? 'Z' : ''}`;
}

const DATE = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/;

/**
 * `date` text → `YYYY-MM-DD` with the year as the timestamps write it (ISO 8601, astronomical
 * numbering, as ECMAScript's `toISOString`): years 0–9999 in four digits, any other year signed in
 * at least six (`0044-03-15 BC` → `-000043-03-15`, 1 BC is year `0000`). `infinity` keeps its text.
 */
export function canonicalDate(text: string): string {
  const m = DATE.exec(text);
  if (!m) return text;
  const [, y, mo, d, bc] = m;
  return `${isoYear(bc ? 1 - Number(y) : Number(y))}-${mo}-${d}`;
}

function isoYear(year: number): string {
  if (year >= 0 && year <= 9999) return String(year).padStart(4, '0');
  return `${year < 0 ? '-' : '+'}${String(Math.abs(year)).padStart(6, '0')}`;
}
