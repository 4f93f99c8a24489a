import { type CanonicalValue, JsonNumber } from './CanonicalValue';

/**
 * Serialises a canonical value deterministically: object keys sorted by UTF-16 code units (as in
 * RFC 8785), no insignificant white space, {@link JsonNumber}s written with their exact digits.
 * The same value always gives the same bytes, which is what the evidence hash relies on.
 */
export function canonicalJson(value: CanonicalValue): string {
  const parts: string[] = [];
  write(value, parts);
  return parts.join('');
}

function write(value: CanonicalValue, out: string[]): void {
  if (value === null) {
    out.push('null');
  } else if (typeof value === 'string' || typeof value === 'boolean') {
    out.push(JSON.stringify(value));
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('a non-finite number has no canonical JSON form');
    out.push(JSON.stringify(value));
  } else if (value instanceof JsonNumber) {
    out.push(value.text);
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, index) => {
      if (index > 0) out.push(',');
      write(item, out);
    });
    out.push(']');
  } else {
    out.push('{');
    const keys = Object.keys(value).sort();
    keys.forEach((key, index) => {
      if (index > 0) out.push(',');
      out.push(JSON.stringify(key), ':');
      write(value[key] as CanonicalValue, out);
    });
    out.push('}');
  }
}
