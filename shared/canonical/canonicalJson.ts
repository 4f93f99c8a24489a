import { UnexpectedDataError } from '../errors/errors';
import { CanonicalJsonText, type CanonicalObject, type CanonicalValue, JsonNumber } from './CanonicalValue';

/**
 * Serialises a canonical value deterministically: object keys sorted by UTF-16 code units (as in
 * RFC 8785), no insignificant white space, {@link JsonNumber}s written with their exact digits.
 * The same value always gives the same bytes, which is what the evidence hash relies on.
 *
 * Fast path: a walk checks that every object's keys are already in order (rows are built that way)
 * and that every number is finite, and counts the exact numbers; then the native `JSON.stringify`
 * writes the value, exact numbers as marked strings that are turned back into bare digits. If the
 * count of marks found differs from the count of exact numbers (a string that happens to look like
 * a mark), or a key is out of order, the exact writer below is used instead: same bytes, slower.
 * A {@link CanonicalJsonText} (a large JSON document kept as text) also takes the exact writer,
 * which copies its text. The exact writer tries the fast path again on each member, so only the
 * objects out of order are written slowly, not everything beneath them.
 */
export function canonicalJson(value: CanonicalValue): string {
  const walk = { exactNumbers: 0 };
  if (!inCanonicalOrder(value, walk)) return writeExactly(value);
  const native = stringifyMarked(value);
  return (walk.exactNumbers === 0 ? native : unmark(native, walk.exactNumbers)) ?? writeExactly(value);
}

/** Marks a JsonNumber's digits with a private-use character on each side. */
const MARK = '\uF8FF';

function stringifyMarked(value: CanonicalValue): string {
  JsonNumber.onJson = (text) => `${MARK}${text}${MARK}`;
  try {
    return JSON.stringify(value);
  } finally {
    JsonNumber.onJson = undefined;
  }
}

/** Replaces each `"<MARK>digits<MARK>"` by the digits; undefined unless exactly `expected` were found. */
function unmark(json: string, expected: number): string | undefined {
  const parts: string[] = [];
  let from = 0;
  let found = 0;
  for (let start = json.indexOf(`"${MARK}`); start >= 0; start = json.indexOf(`"${MARK}`, from)) {
    const end = json.indexOf(`${MARK}"`, start + 2);
    if (end < 0) return undefined;
    parts.push(json.slice(from, start), json.slice(start + 2, end));
    from = end + 2;
    found++;
  }
  parts.push(json.slice(from));
  return found === expected ? parts.join('') : undefined;
}

/** True when every object's keys are sorted and every number finite; counts the JsonNumbers. */
function inCanonicalOrder(value: CanonicalValue, walk: { exactNumbers: number }): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false; // undefined, functions, bigints: the exact writer reports them
  }
  if (value instanceof JsonNumber) {
    walk.exactNumbers++;
    return true;
  }
  if (value instanceof CanonicalJsonText) return false; // written as it is by the exact writer
  if (Array.isArray(value)) {
    for (const item of value) if (!inCanonicalOrder(item, walk)) return false;
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
    return false;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0 && (keys[i - 1] as string) > key) return false;
    if (!inCanonicalOrder((value as CanonicalObject)[key] as CanonicalValue, walk)) return false;
  }
  return true;
}

/** The reference writer: sorts keys itself and refuses what has no canonical form. */
function writeExactly(value: CanonicalValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value))
        throw new UnexpectedDataError('a non-finite number has no canonical JSON form');
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new UnexpectedDataError(`a ${typeof value} has no canonical JSON form`);
  }
  if (value instanceof JsonNumber || value instanceof CanonicalJsonText) return value.text;
  // Members go through canonicalJson again: a value whose outer object is out of order (a plan built
  // field by field) still writes its large, ordered parts (rows) natively.
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const object = value as CanonicalObject;
  const members = Object.keys(object)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key] as CanonicalValue)}`);
  return `{${members.join(',')}}`;
}
