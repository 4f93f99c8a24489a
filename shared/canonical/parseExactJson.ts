import { parse } from 'lossless-json';
import { type CanonicalValue, JsonNumber } from './CanonicalValue';

/**
 * Parses JSON text into canonical values, keeping every number's exact digits as a
 * {@link JsonNumber} (node-postgres and `JSON.parse` would turn them into doubles and lose digits).
 * Throws on invalid JSON and on duplicate keys.
 */
export function parseExactJson(text: string): CanonicalValue {
  return parse(text, undefined, (digits) => new JsonNumber(digits)) as CanonicalValue;
}
