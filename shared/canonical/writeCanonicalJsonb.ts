import { isWellFormedText } from './isWellFormedText';

/** Thrown inside the writer when the text needs the general parser; never leaves this module. */
const GENERAL = new Error('general parser needed');

/** Pieces of a value held apart before they are joined into one string. */
const JOIN_PIECES = 256;

/**
 * Appends the pieces of `canonicalJsonbText(text)` to `parts` (their concatenation is its text),
 * in one pass over the text with no tree and no regular expression, and returns true; or returns
 * false, leaving `parts` as it was, when the text needs the general parser: numbers with an
 * exponent or a negative zero (jsonb rewrites them), repeated keys (the last one wins), and
 * anything malformed or with a lone surrogate (the general parser says why it is refused).
 * `jsonb`'s own output (keys ordered by length, `", "` and `": "` separators, numbers as `numeric`
 * prints them) never needs it.
 *
 * Pieces rather than a string: a row's canonical JSON is joined once from its columns' pieces,
 * without the intermediate strings (and string ropes) of writing each member. A structure of more
 * than {@link JOIN_PIECES} pieces is joined on its own, so a large document holds strings, not an
 * array entry per token.
 */
export function writeCanonicalJsonb(text: string, parts: string[]): boolean {
  const writer = new Writer(text, parts);
  const base = parts.length;
  try {
    writer.value();
    writer.skipWhiteSpace();
    if (writer.at === text.length) return true;
  } catch (error) {
    if (error !== GENERAL) throw error;
    clearScratch();
  }
  parts.length = base;
  return false;
}

/** Drops the strings a writer that stopped midway left in the shared scratch arrays. */
function clearScratch(): void {
  for (const { keys } of OBJECT_SCRATCH) keys.fill('');
  WRITTEN.fill('');
}

/** The keys and members' places of an object being written, one set per nesting depth. */
interface ObjectScratch {
  readonly keys: string[];
  readonly starts: number[];
  readonly ends: number[];
}

/**
 * Scratch arrays shared by every {@link Writer}: a writer runs to its end without yielding and
 * never starts another, so one set per depth serves all. Entries past a call's count are stale;
 * strings are cleared after use (and after a writer that stopped midway), so nothing of a
 * document is held after it.
 */
const OBJECT_SCRATCH: ObjectScratch[] = [];
const WRITTEN: string[] = [];
const ORDER: number[] = [];

class Writer {
  at = 0;
  /** Objects open around the current place (indexes {@link OBJECT_SCRATCH}). */
  depth = 0;
  /** The last string read, decoded (set by `string`). */
  private decoded = '';

  constructor(
    private readonly text: string,
    private readonly parts: string[],
  ) {}

  skipWhiteSpace(): void {
    const text = this.text;
    let i = this.at;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    this.at = i;
  }

  value(): void {
    this.skipWhiteSpace();
    const c = this.text.charCodeAt(this.at);
    if (c === 0x7b)
      this.object(); // {
    else if (c === 0x5b)
      this.array(); // [
    else if (c === 0x22)
      this.parts.push(this.string()); // "
    else if (c === 0x74) this.literal('true');
    else if (c === 0x66) this.literal('false');
    else if (c === 0x6e) this.literal('null');
    else this.parts.push(this.number());
  }

  private literal(word: string): void {
    if (!this.text.startsWith(word, this.at)) throw GENERAL;
    this.at += word.length;
    this.parts.push(word);
  }

  private object(): void {
    const parts = this.parts;
    this.at++; // {
    this.skipWhiteSpace();
    if (this.text.charCodeAt(this.at) === 0x7d) {
      this.at++;
      parts.push('{}');
      return;
    }
    const base = parts.length;
    parts.push('{');
    // This depth's scratch arrays, used from index 0 up to `count` (their length is never reset,
    // so their storage is not allocated again for every object).
    let scratch = OBJECT_SCRATCH[this.depth];
    if (!scratch) {
      scratch = { keys: [], starts: [], ends: [] };
      OBJECT_SCRATCH[this.depth] = scratch;
    }
    this.depth++;
    const { keys, starts, ends } = scratch;
    // Each member's pieces: parts[starts[m]] to parts[ends[m] - 1], its key's token first.
    let count = 0;
    let sorted = true;
    for (;;) {
      this.skipWhiteSpace();
      if (this.text.charCodeAt(this.at) !== 0x22) throw GENERAL;
      starts[count] = parts.length;
      parts.push(this.string(), ':');
      const key = this.decoded;
      this.skipWhiteSpace();
      if (this.text.charCodeAt(this.at) !== 0x3a) throw GENERAL; // :
      this.at++;
      this.value();
      ends[count] = parts.length;
      if (count > 0 && !((keys[count - 1] as string) < key)) sorted = false;
      keys[count++] = key;
      this.skipWhiteSpace();
      const next = this.text.charCodeAt(this.at++);
      if (next === 0x7d) break; // }
      if (next !== 0x2c) throw GENERAL; // ,
      parts.push(',');
    }
    this.depth--;
    if (sorted) parts.push('}');
    else {
      const order = sortedOrder(keys, count);
      // The members' pieces move to WRITTEN, then come back in key order into the same places
      // (as many pieces and commas as before: `parts` neither shrinks nor grows meanwhile).
      const written = parts.length - base - 1;
      for (let j = 0; j < written; j++) WRITTEN[j] = parts[base + 1 + j] as string;
      let w = base + 1;
      for (let i = 0; i < count; i++) {
        const m = order[i] as number;
        // A repeated key: jsonb keeps its last value; the general parser does that.
        if (i > 0) {
          if (keys[order[i - 1] as number] === keys[m]) throw GENERAL;
          parts[w++] = ',';
        }
        for (let j = (starts[m] as number) - base - 1; j < (ends[m] as number) - base - 1; j++)
          parts[w++] = WRITTEN[j] as string;
      }
      parts.push('}');
      for (let j = 0; j < written; j++) WRITTEN[j] = '';
    }
    for (let m = 0; m < count; m++) keys[m] = '';
    this.joinLarge(base);
  }

  private array(): void {
    const parts = this.parts;
    this.at++; // [
    this.skipWhiteSpace();
    if (this.text.charCodeAt(this.at) === 0x5d) {
      this.at++;
      parts.push('[]');
      return;
    }
    const base = parts.length;
    parts.push('[');
    // A long array's items are joined a few hundred pieces at a time as they come.
    let chunk = parts.length;
    for (;;) {
      this.value();
      this.skipWhiteSpace();
      const next = this.text.charCodeAt(this.at++);
      if (next === 0x5d) break; // ]
      if (next !== 0x2c) throw GENERAL; // ,
      parts.push(',');
      if (parts.length - chunk > JOIN_PIECES) {
        parts.push(parts.splice(chunk).join(''));
        chunk = parts.length;
      }
    }
    parts.push(']');
    this.joinLarge(base);
  }

  /** Joins the pieces from `base` into one when they are many. */
  private joinLarge(base: number): void {
    if (this.parts.length - base > JOIN_PIECES) this.parts.push(this.parts.splice(base).join(''));
  }
  /** A string's canonical JSON; its decoded text is left in `decoded`. */
  private string(): string {
    const text = this.text;
    const start = this.at;
    let i = start + 1;
    let escaped = false;
    let surrogate = false;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c) || c < 0x20) throw GENERAL;
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        i += 2;
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) surrogate = true;
      i++;
    }
    this.at = i + 1;
    if (!escaped) {
      if (surrogate && !isWellFormedText(text.slice(start + 1, i))) throw GENERAL;
      this.decoded = text.slice(start + 1, i);
      // No escape, no control character, no lone surrogate: JSON.stringify writes it as it is.
      return text.slice(start, i + 1);
    }
    let decoded: string;
    try {
      decoded = JSON.parse(text.slice(start, i + 1)) as string;
    } catch {
      throw GENERAL;
    }
    if (!isWellFormedText(decoded)) throw GENERAL;
    this.decoded = decoded;
    return JSON.stringify(decoded);
  }

  /** A number without exponent and not a negative zero: jsonb prints it as it is written. */
  private number(): string {
    const text = this.text;
    const start = this.at;
    let i = start;
    const negative = text.charCodeAt(i) === 0x2d;
    if (negative) i++;
    let zero = true;
    const first = text.charCodeAt(i);
    if (first === 0x30) i++;
    else if (first > 0x30 && first <= 0x39) {
      zero = false;
      do i++;
      while (isDigit(text.charCodeAt(i)));
    } else throw GENERAL;
    if (text.charCodeAt(i) === 0x2e) {
      i++;
      if (!isDigit(text.charCodeAt(i))) throw GENERAL;
      do {
        if (text.charCodeAt(i) !== 0x30) zero = false;
        i++;
      } while (isDigit(text.charCodeAt(i)));
    }
    const after = text.charCodeAt(i);
    if (after === 0x65 || after === 0x45) throw GENERAL; // e, E
    if (negative && zero) throw GENERAL;
    this.at = i;
    return text.slice(start, i);
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * The indexes of the first `count` keys in code-unit order of the keys: an insertion sort into the
 * shared {@link ORDER} for the few keys of most objects (valid until the next call).
 */
function sortedOrder(keys: readonly string[], count: number): readonly number[] {
  if (count > 16) {
    const order: number[] = [];
    for (let i = 0; i < count; i++) order.push(i);
    return order.sort((a, b) => {
      const ka = keys[a] as string;
      const kb = keys[b] as string;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
  }
  const order = ORDER;
  for (let i = 0; i < count; i++) {
    const key = keys[i] as string;
    let j = i;
    while (j > 0 && (keys[order[j - 1] as number] as string) > key) {
      order[j] = order[j - 1] as number;
      j--;
    }
    order[j] = i;
  }
  return order;
}
