import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeValue,
} from '@duckdb/node-api';
import type { ResultColumn } from './ResultColumn';

const NANOS_PER_SECOND = 1_000_000_000n;

/** An exact decimal "secs.nnnnnnnnn" for a count of nanoseconds (negative values stay exact). */
export function nanosToSeconds(nanos: bigint): string {
  const negative = nanos < 0n;
  const magnitude = negative ? -nanos : nanos;
  const seconds = magnitude / NANOS_PER_SECOND;
  const fraction = (magnitude % NANOS_PER_SECOND).toString().padStart(9, '0');
  return `${negative ? '-' : ''}${seconds}.${fraction}`;
}

/** A TIMESTAMP_TZ as stored: the instant in epoch nanoseconds and the original offset in minutes. */
export interface ZonedTimestamp {
  readonly epochNanos: bigint;
  readonly offsetMinutes: number;
  /** Wall-clock text in ISO 8601 with the offset, e.g. `2024-01-02T03:04:05.123+05:30`. */
  readonly iso: string;
}

const ZONED =
  /^(-?\d{4,})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|UTC|[+-]\d{1,2}(?::?\d{2})?)?$/i;

/**
 * Parses the text a TIMESTAMP_TZ column stores (what `TO_TIMESTAMP_TZ` accepted, or DuckDB's own
 * rendering of an instant). A value without an offset is read as UTC, the endpoint's session time zone.
 */
export function parseZonedTimestamp(text: string): ZonedTimestamp | undefined {
  const m = ZONED.exec(text.trim());
  if (!m) return undefined;
  const [, y = '1970', mo = '1', d = '1', h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = m;
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z' && zone.toUpperCase() !== 'UTC') {
    const z = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(zone);
    if (!z) return undefined;
    offsetMinutes = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? '0'));
  }
  const wallMillis = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(wallMillis)) return undefined;
  const fractionNanos = BigInt(fraction.slice(0, 9).padEnd(9, '0'));
  const epochNanos =
    (BigInt(wallMillis) / 1000n - BigInt(offsetMinutes * 60)) * NANOS_PER_SECOND + fractionNanos;
  const pad = (v: string | number, n = 2) => String(v).padStart(n, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const iso = `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${fraction ? `.${fraction}` : ''}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return { epochNanos, offsetMinutes, iso };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

function micros(value: unknown): bigint | undefined {
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) return value.micros;
  if (value instanceof DuckDBTimeValue) return value.micros;
  return undefined;
}

function asText(value: unknown): string {
  if (value instanceof DuckDBBlobValue) return hex(value.bytes);
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  if (value instanceof DuckDBDecimalValue) return value.toString();
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
}

/**
 * Encodes a DuckDB value as Snowflake's JSON result format sends it (see the value-encoding table of
 * docs on the protocol): fixed as exact decimal text, boolean "1"/"0", date as days since epoch,
 * timestamps as "secs.nnnnnnnnn" (timestamp_tz followed by the offset in minutes + 1440), binary as
 * upper-case hex, VARIANT as its JSON text.
 */
export function encodeWire(value: unknown, column: ResultColumn): string | null {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case 'fixed':
    case 'real':
      return value instanceof DuckDBDecimalValue ? value.toString() : String(value);
    case 'boolean':
      return value === true ? '1' : value === false ? '0' : String(value);
    case 'date':
      return value instanceof DuckDBDateValue ? String(value.days) : String(value);
    case 'time':
    case 'timestamp_ntz':
    case 'timestamp_ltz': {
      const us = micros(value);
      return us === undefined ? String(value) : nanosToSeconds(us * 1000n);
    }
    case 'timestamp_tz': {
      const us = micros(value);
      if (us !== undefined) return `${nanosToSeconds(us * 1000n)} 1440`;
      const zoned = parseZonedTimestamp(String(value));
      if (!zoned) return null;
      return `${nanosToSeconds(zoned.epochNanos)} ${zoned.offsetMinutes + 1440}`;
    }
    case 'binary':
      return value instanceof DuckDBBlobValue ? hex(value.bytes) : String(value);
    default:
      return asText(value);
  }
}

/**
 * Encodes a DuckDB value as readable, driver-independent text: numbers exact, booleans
 * "true"/"false", dates `YYYY-MM-DD`, timestamp_ntz `YYYY-MM-DD HH:MM:SS[.ffffff]`, timestamp_ltz
 * with `+00`, timestamp_tz as ISO 8601 keeping its offset, binary as upper-case hex, VARIANT as JSON text.
 */
export function encodeReadable(value: unknown, column: ResultColumn): string | null {
  if (value === null || value === undefined) return null;
  if (column.type === 'timestamp_tz' && typeof value === 'string') {
    return parseZonedTimestamp(value)?.iso ?? value;
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof DuckDBBlobValue) return hex(value.bytes);
  if (typeof value === 'object' && value !== null && 'toString' in value && !Array.isArray(value)) {
    const text = String(value);
    if (text !== '[object Object]') return text;
  }
  return asText(value);
}
