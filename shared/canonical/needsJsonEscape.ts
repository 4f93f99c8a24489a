/**
 * Whether `JSON.stringify(text)` differs from the text between two quotes: true when the text holds
 * a control character, a quote, a backslash or a surrogate (a lone one is escaped; a pair is left
 * to `JSON.stringify` to judge). False lets a writer put the text between quotes as it is.
 */
export function needsJsonEscape(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return true;
  }
  return false;
}
