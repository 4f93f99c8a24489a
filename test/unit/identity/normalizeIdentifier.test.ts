import { describe, expect, it } from 'vitest';
import { normalizeIdentifier, TRIMMED_CHARACTERS } from '../../../shared/identity/normalizeIdentifier';

describe('Function: normalizeIdentifier', () => {
  it('trims, for lowercase, exactly the characters String.prototype.trim removes', () => {
    const trimmedByJs: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const ch = String.fromCharCode(code);
      if (`${ch}x${ch}`.trim() === 'x') trimmedByJs.push(ch);
    }
    expect([...TRIMMED_CHARACTERS].sort()).toEqual(trimmedByJs.sort());
    for (const ch of TRIMMED_CHARACTERS)
      expect(normalizeIdentifier(`${ch}A@B.io${ch}${ch}`, 'lowercase')).toBe('a@b.io');
  });

  it('keeps inner white space and characters outside the set', () => {
    expect(normalizeIdentifier(' Ana  Lopez\u200b ', 'lowercase')).toBe('ana  lopez\u200b');
  });

  it('composes decomposed characters (NFC) before lower-casing, so both spellings are one subject', () => {
    const composed = 'Jos\u00e9 N\u00fa\u00f1ez';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    expect(normalizeIdentifier(decomposed, 'lowercase')).toBe('jos\u00e9 n\u00fa\u00f1ez');
    expect(normalizeIdentifier(composed.toUpperCase(), 'lowercase')).toBe('jos\u00e9 n\u00fa\u00f1ez');
  });

  it('keeps digits only for digits, and the value as given for none', () => {
    expect(normalizeIdentifier('+44 (20) 7946-0011', 'digits')).toBe('442079460011');
    expect(normalizeIdentifier(' Jose\u0301 ', 'none')).toBe(' Jose\u0301 ');
  });
});
