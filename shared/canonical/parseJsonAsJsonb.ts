import { type CanonicalObject, type CanonicalValue, JsonNumber } from './CanonicalValue';
import { isWellFormedText } from './isWellFormedText';
import { UnreadableValueError } from './UnreadableValueError';
import { writeCanonicalJsonb } from './writeCanonicalJsonb';

/** `numeric` holds at most 131072 digits before and 16383 after the decimal point. */
const MAX_INTEGER_DIGITS = 131_072;
const MAX_FRACTION_DIGITS = 16_383;
const NUMBER = /-?(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?/y;
const WHITE_SPACE = /[ \t\n\r]*/y;

/**
 * Parses JSON text with `jsonb`'s semantics, without asking PostgreSQL to convert it (a cast of a
 * `json` value to `jsonb` fails on `\u0000` and would fail the whole query):
 *
 * - a repeated key keeps its last value; objects come out with their keys sorted;
 * - a number is written as `jsonb` (a `numeric`) prints it: exact digits, the exponent applied
 *   (`1.50e1` → `15.0`, `1e2` → `100`, `-0` → `0`), so `json` and `jsonb` columns agree;
 * - strings are decoded as JSON decodes them; `\u0000` is kept as U+0000 (canonical JSON writes it
 *   back as `\u0000`).
 *
 * Throws {@link UnreadableValueError} for a string with a lone surrogate (`ill_formed_unicode`),
 * a number `numeric` cannot hold (`number_out_of_range`) and text that is not JSON (`malformed`).
 */
export function parseJsonAsJsonb(text: string): CanonicalValue {
  const parser = new Parser(text);
  const value = parser.value();
  parser.skipWhiteSpace();
  if (parser.at !== text.length) throw new UnreadableValueError('malformed');
  return value;
}

/**
 * The canonical JSON text of `parseJsonAsJsonb(text)`, byte for byte, without building the tree:
 * each object and array is written as soon as it is read (an object's members are kept as their
 * texts until it is sorted), so a large document costs a few times its text instead of a tree of
 * small objects (10–30 times). Same refusals as {@link parseJsonAsJsonb}. The common shape of JSON
 * (`jsonb`'s own output among it) is written in one pass by {@link writeCanonicalJsonb}.
 */
export function canonicalJsonbText(text: string): string {
  const parts: string[] = [];
  if (writeCanonicalJsonb(text, parts)) return parts.join('');
  const parser = new TextParser(text);
  const value = parser.textValue();
  parser.skipWhiteSpace();
  if (parser.at !== text.length) throw new UnreadableValueError('malformed');
  return value;
}

class Parser {
  at = 0;

  constructor(protected readonly text: string) {}

  skipWhiteSpace(): void {
    WHITE_SPACE.lastIndex = this.at;
    WHITE_SPACE.exec(this.text);
    this.at = WHITE_SPACE.lastIndex;
  }

  value(): CanonicalValue {
    this.skipWhiteSpace();
    const ch = this.text[this.at];
    if (ch === '{') return this.object();
    if (ch === '[') return this.array();
    if (ch === '"') return this.string();
    for (const [word, value] of LITERALS) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return value;
      }
    }
    return this.number();
  }

  private object(): CanonicalObject {
    // Object.fromEntries defines own properties, so a key such as `__proto__` stays a plain key.
    return Object.fromEntries(this.members(() => this.value()));
  }

  private array(): CanonicalValue[] {
    return this.items(() => this.value());
  }

  /** An object's members read with `read`, the last occurrence of a key winning as in jsonb, sorted by key. */
  protected members<T>(read: () => T): [string, T][] {
    this.at++; // {
    const members = new Map<string, T>();
    this.skipWhiteSpace();
    if (this.text[this.at] === '}') {
      this.at++;
      return [];
    }
    for (;;) {
      this.skipWhiteSpace();
      if (this.text[this.at] !== '"') throw new UnreadableValueError('malformed');
      const key = this.string();
      this.skipWhiteSpace();
      if (this.text[this.at++] !== ':') throw new UnreadableValueError('malformed');
      members.delete(key); // the last occurrence wins, as in jsonb
      members.set(key, read());
      this.skipWhiteSpace();
      const next = this.text[this.at++];
      if (next === '}') break;
      if (next !== ',') throw new UnreadableValueError('malformed');
    }
    return [...members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** An array's items read with `read`. */
  protected items<T>(read: () => T): T[] {
    this.at++; // [
    const items: T[] = [];
    this.skipWhiteSpace();
    if (this.text[this.at] === ']') {
      this.at++;
      return items;
    }
    for (;;) {
      items.push(read());
      this.skipWhiteSpace();
      const next = this.text[this.at++];
      if (next === ']') return items;
      if (next !== ',') throw new UnreadableValueError('malformed');
    }
  }

  protected string(): string {
    const start = this.at;
    let i = start + 1;
    let escaped = false;
    for (;;) {
      const ch = this.text.charCodeAt(i);
      if (Number.isNaN(ch) || ch < 0x20) throw new UnreadableValueError('malformed');
      if (ch === 0x22) break; // "
      if (ch === 0x5c) escaped = true; // a backslash escapes the next character
      i += ch === 0x5c ? 2 : 1;
    }
    this.at = i + 1;
    let decoded: string;
    try {
      decoded = escaped
        ? (JSON.parse(this.text.slice(start, this.at)) as string)
        : this.text.slice(start + 1, i);
    } catch {
      throw new UnreadableValueError('malformed');
    }
    if (!isWellFormedText(decoded)) throw new UnreadableValueError('ill_formed_unicode');
    return decoded;
  }

  protected number(): JsonNumber {
    NUMBER.lastIndex = this.at;
    const m = NUMBER.exec(this.text);
    if (!m) throw new UnreadableValueError('malformed');
    this.at = NUMBER.lastIndex;
    // Without an exponent, jsonb prints the number as written, except a negative zero.
    if (m[3] === undefined && !(m[0].startsWith('-') && /^-0(\.0+)?$/.test(m[0])))
      return new JsonNumber(m[0]);
    return new JsonNumber(numericText(m[0].startsWith('-'), m[1] as string, m[2] ?? '', m[3]));
  }
}

/** The parser of {@link canonicalJsonbText}: the same grammar, values written as canonical text. */
class TextParser extends Parser {
  textValue(): string {
    this.skipWhiteSpace();
    const ch = this.text[this.at];
    if (ch === '{') return this.objectText();
    if (ch === '[') return this.arrayText();
    if (ch === '"') return JSON.stringify(this.string());
    for (const [word] of LITERALS) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return word;
      }
    }
    return this.number().text;
  }

  private objectText(): string {
    const members = this.members(() => this.textValue());
    return `{${members.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
  }

  private arrayText(): string {
    return `[${this.items(() => this.textValue()).join(',')}]`;
  }
}

const LITERALS: readonly [string, CanonicalValue][] = [
  ['true', true],
  ['false', false],
  ['null', null],
];

/**
 * The text PostgreSQL's `numeric` prints for a JSON number: the exponent is applied and the
 * display scale is the fraction's length minus the exponent (never below 0), as `numeric_in` does.
 */
function numericText(negative: boolean, integer: string, fraction: string, exponentText?: string): string {
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > MAX_INTEGER_DIGITS + MAX_FRACTION_DIGITS)
    throw new UnreadableValueError('number_out_of_range');
  const scale = Math.max(0, fraction.length - exponent);
  // digits × 10^(exponent − fraction.length), written with `scale` fraction digits
  let digits = `${integer}${fraction}`;
  const shift = exponent - fraction.length + scale; // ≥ 0
  digits = `${digits}${'0'.repeat(shift)}`.replace(/^0+(?=\d)/, '');
  const padded = digits.padStart(scale + 1, '0');
  const whole = padded.slice(0, padded.length - scale);
  if (whole.length > MAX_INTEGER_DIGITS || scale > MAX_FRACTION_DIGITS)
    throw new UnreadableValueError('number_out_of_range');
  const text = scale > 0 ? `${whole}.${padded.slice(padded.length - scale)}` : whole;
  return negative && /[1-9]/.test(digits) ? `-${text}` : text;
}
