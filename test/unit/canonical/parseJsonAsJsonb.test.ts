import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { parseJsonAsJsonb } from '../../../shared/canonical/parseJsonAsJsonb';
import { UnreadableValueError } from '../../../shared/canonical/UnreadableValueError';

const canonical = (text: string) => canonicalJson(parseJsonAsJsonb(text));

describe('Function: parseJsonAsJsonb', () => {
  it('writes numbers as jsonb prints them: exponent applied, display scale kept, no negative zero', () => {
    // Each expected text is what PostgreSQL 18 prints for '<input>'::json::jsonb.
    expect(canonical('[100, 1e2, 1.50e1, 1.5e-3, -0, -0.0, 1E+2, 0.1e1, -1.20E-1, 0e5]')).toBe(
      '[100,100,15.0,0.0015,0,0.0,100,1,-0.120,0]',
    );
    expect(canonical('12345678901234567890.1234e-30')).toBe('0.0000000000123456789012345678901234');
    expect(canonical('123456789012345678901234567890')).toBe('123456789012345678901234567890');
  });

  it('keeps the last of repeated keys and sorts keys, keeping __proto__ as a plain key', () => {
    const value = parseJsonAsJsonb('{"b": 1, "a": {"x": 1}, "b": 2, "__proto__": {"polluted": true}}');
    expect(canonicalJson(value)).toBe('{"__proto__":{"polluted":true},"a":{"x":1},"b":2}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps \\u0000 inside strings; canonical JSON escapes it again', () => {
    const value = parseJsonAsJsonb('{"t": "a\\u0000b", "u": "\\ud83e\\udd8a \\"q\\" \\\\"}');
    expect(value).toEqual({ t: 'a\u0000b', u: '\u{1f98a} "q" \\' });
    expect(canonicalJson(value)).toBe('{"t":"a\\u0000b","u":"🦊 \\"q\\" \\\\"}');
  });

  it.each([
    ['"\\ud800"', 'ill_formed_unicode'],
    ['{"\\udc00": 1}', 'ill_formed_unicode'],
    ['1e999999', 'number_out_of_range'],
    ['{"a" 1}', 'malformed'],
    ['[1, 2', 'malformed'],
    ['"open', 'malformed'],
    ['01', 'malformed'],
    ['nul', 'malformed'],
  ])('refuses %s as %s, without the value in the message', (text, reason) => {
    let caught: unknown;
    try {
      parseJsonAsJsonb(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnreadableValueError);
    expect(caught).toMatchObject({ reason });
    expect((caught as Error).message).not.toContain(text);
  });
});
