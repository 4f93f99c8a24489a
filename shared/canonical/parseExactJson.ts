import { parse } from 'lossless-json';
import { type CanonicalObject, type CanonicalValue, JsonNumber } from './CanonicalValue';

/**
 * Parses JSON text into canonical values, keeping every number's exact digits as a
 * {@link JsonNumber} (node-postgres and `JSON.parse` would turn them into doubles and lose digits).
 * Objects are rebuilt with their keys in sorted order, so `canonicalJson` can take its fast path.
 * Throws on invalid JSON and on duplicate keys.
 */
export function parseExactJson(text: string): CanonicalValue {
  return parse(text, sortKeys, (digits) => new JsonNumber(digits)) as CanonicalValue;
}

function sortKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof JsonNumber)
    return value;
  const object = value as CanonicalObject;
  const keys = Object.keys(object);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = (keys[i - 1] as string) < (keys[i] as string);
  if (sorted) return value;
  const result: CanonicalObject = {};
  for (const key of keys.sort()) result[key] = object[key] as CanonicalValue;
  return result;
}
