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
