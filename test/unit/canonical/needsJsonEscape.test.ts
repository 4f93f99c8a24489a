import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { needsJsonEscape } from '../../../shared/canonical/needsJsonEscape';

describe('Function: needsJsonEscape', () => {
  it('says false only for text that JSON.stringify writes between quotes as it is', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (text) => {
        if (!needsJsonEscape(text)) expect(JSON.stringify(text)).toBe(`"${text}"`);
        if (JSON.stringify(text) !== `"${text}"`) expect(needsJsonEscape(text)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('names what JSON escapes: control characters, quotes, backslashes, lone surrogates', () => {
    for (const text of ['a\nb', '\u0000', '\u001f', 'say "hi"', 'C:\\path', '\ud800', 'x\udfffy'])
      expect(needsJsonEscape(text)).toBe(true);
    for (const text of [
      '',
      'plain',
      '22387156386455261',
      '2020-01-01T00:00:01.000000Z',
      'é\u2028€',
      '\u007f',
    ])
      expect(needsJsonEscape(text)).toBe(false);
  });
});
