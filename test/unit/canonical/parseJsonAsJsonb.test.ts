import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalJsonText, JsonNumber } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { canonicalJsonbText, parseJsonAsJsonb } from '../../../shared/canonical/parseJsonAsJsonb';
import { UnreadableValueError } from '../../../shared/canonical/UnreadableValueError';
import { canonicalizePgValue, LARGE_JSON_CHARS } from '../../../shared/postgres/canonicalizePgValue';

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

describe('Function: canonicalJsonbText', () => {
  const cases = [
    '[100, 1e2, 1.50e1, 1.5e-3, -0, -0.0, 1E+2, 0.1e1, -1.20E-1, 0e5]',
    '{"b": 1, "a": {"z": [true, false, null], "a": "x"}, "b": 2, "__proto__": {"k": "\\u0000"}}',
    ' { "é": "\\u00e9\\n\\t\\"", "e": [ [], {}, [{}] ], "10": 1, "9": 2 } ',
    '"just a string"',
    '12345678901234567890.1234e-30',
  ];

  it('writes exactly the canonical JSON of the jsonb tree, without building it', () => {
    for (const text of cases) expect(canonicalJsonbText(text)).toBe(canonical(text));
  });

  it('agrees with the tree on generated documents', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), (text) => {
        expect(canonicalJsonbText(text)).toBe(canonical(text));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what the tree refuses, with the same reason', () => {
    for (const text of ['{"a":1', '["\\ud800"]', '[1e999999999999]', '{"a" 1}', '[1,]']) {
      const reason = (f: () => unknown) => {
        try {
          f();
          return 'accepted';
        } catch (error) {
          return error instanceof UnreadableValueError ? error.reason : 'other';
        }
      };
      expect(reason(() => canonicalJsonbText(text))).toBe(reason(() => parseJsonAsJsonb(text)));
      expect(reason(() => canonicalJsonbText(text))).not.toBe('accepted');
    }
  });
});

describe('Function: canonicalizePgValue, large json', () => {
  it('keeps a document over the size limit as canonical text with the bytes of the tree', () => {
    // Prepare: about 1.5 MB of JSON text with keys out of order and exponents.
    const items = Array.from({ length: 30_000 }, (_, i) => `{"z": ${i}e1, "a": "item ${i}", "m": [${i}.50]}`);
    const text = `[${items.join(', ')}]`;
    const type = { oid: 3802, kind: 'json' } as const;

    // Act
    const value = canonicalizePgValue(text, type as never);

    // Assess
    expect(text.length).toBeGreaterThan(LARGE_JSON_CHARS);
    expect(value).toBeInstanceOf(CanonicalJsonText);
    expect(canonicalJson({ doc: value, id: 1 })).toBe(`{"doc":${canonical(text)},"id":1}`);
    // Anything that needs a tree gets the exact one.
    expect(JSON.stringify(value)).toBe(JSON.stringify(parseJsonAsJsonb(text)));
    expect(canonicalizePgValue('{"b":1,"a":2}', type as never)).toEqual({
      a: new JsonNumber('2'),
      b: new JsonNumber('1'),
    });
  });
});
