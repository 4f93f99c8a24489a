import type { CanonicalValue } from '../../canonical/CanonicalValue';
import { CanonicalJsonText } from '../../canonical/CanonicalValue';
import { canonicalJson } from '../../canonical/canonicalJson';

/** A value as the page shows it: text only, escaped later by the template engine. */
export interface DisplayValue {
  readonly text: string;
  /** Set when the text was cut: the value's full length in characters. */
  readonly fullLength?: number;
}

/**
 * Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): a value holding
 * one could make the text around it read backwards ("exe.txt" shown for "txt.exe"). They are shown
 * as their code point instead; the exact value stays in data/. Marks (LRM, RLM) are harmless and kept.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
/** C0 controls but tab, line feed and carriage return, and DEL: shown as Unicode control pictures (NUL as ␀). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/**
 * The text a value is shown as: strings as they are, anything else as its canonical JSON (numbers
 * with their exact digits), null as the empty string. Control characters and bidirectional controls
 * become visible; text over `limit` characters is cut (never inside a surrogate pair) and reports
 * its full length, so the page can say where the whole value is.
 */
export function displayValue(value: CanonicalValue | undefined, limit: number): DisplayValue {
  if (value === undefined || value === null) return { text: '' };
  const raw =
    typeof value === 'string'
      ? value
      : value instanceof CanonicalJsonText
        ? value.text
        : canonicalJson(value);
  let text = raw;
  let fullLength: number | undefined;
  if (raw.length > limit) {
    let end = limit;
    const last = raw.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--;
    text = raw.slice(0, end);
    fullLength = raw.length;
  }
  text = text
    .replace(CONTROLS, (c) => String.fromCharCode(c === '\u007F' ? 0x2421 : 0x2400 + c.charCodeAt(0)))
    .replace(BIDI_CONTROLS, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase()}]`);
  return fullLength === undefined ? { text } : { text, fullLength };
}
