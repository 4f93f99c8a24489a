import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { parseJsonAsJsonb } from '../../../shared/canonical/parseJsonAsJsonb';
import { writeCanonicalJsonb } from '../../../shared/canonical/writeCanonicalJsonb';

/** The reference: the canonical JSON of the jsonb tree (which never takes the one-pass writer). */
const canonical = (text: string) => canonicalJson(parseJsonAsJsonb(text));

/** The writer's text, or undefined when it leaves the text to the general parser. */
const written = (text: string): string | undefined => {
  const parts = ['before'];
  if (writeCanonicalJsonb(text, parts)) return parts.slice(1).join('');
  expect(parts).toEqual(['before']);
  return undefined;
};

/** Text of any unicode, lone surrogates, escapes and control characters included. */
const anyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('', 'a"b', 'a\\b', '\n\t', '\u0000', '\ud800', 'é', '🦊', '\u2028', 'B', 'a', 'aa'),
);

/** A JSON number as anyone might write it: exponents, negative zeros, fractions. */
const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.constantFrom('0', '-0', '-0.0', '0.000', '1.50', '1e2', '1E+2', '-1.20E-1', '12345678901234567890.25'),
);

/** JSON text written with `jsonb`'s separators or none, keys repeated now and then, strings escaped or not. */
const { doc } = fc.letrec((tie) => ({
  doc: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    anyText.map((s) => JSON.stringify(s)),
    anyText.map((s) =>
      JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`),
    ),
    numberText,
    fc.constantFrom('true', 'false', 'null'),
    fc
      .tuple(fc.array(tie('doc'), { maxLength: 4 }), fc.constantFrom(',', ', ', ' ,\n'))
      .map(([items, sep]) => `[${items.join(sep)}]`),
    fc
      .tuple(
        fc.array(fc.tuple(anyText, tie('doc')), { maxLength: 5 }),
        fc.constantFrom([',', ':'], [', ', ': '], ['\t,\r\n', ' :  ']),
        fc.boolean(),
      )
      .map(([members, [comma, colon], repeat]) => {
        const text = members.map(([k, v]) => `${JSON.stringify(k)}${colon}${v}`);
        if (repeat && text.length > 0) text.push(text[0] as string);
        return `{${text.join(comma)}}`;
      }),
  ),
}));

describe('Function: writeCanonicalJsonb', () => {
  it("writes jsonb's own output in one pass, keys re-sorted by code unit, after what parts held", () => {
    // What PostgreSQL prints for jsonb_build_object('sku', 'SKU-7919', 'n', 1, 'path', '/p/1').
    expect(written('{"n": 1, "sku": "SKU-7919", "path": "/p/1"}')).toBe(
      '{"n":1,"path":"/p/1","sku":"SKU-7919"}',
    );
    expect(written('[{"b": [1.50, -2, "\\n\\"é"], "a": null}, true, "🦊"]')).toBe(
      '[{"a":null,"b":[1.50,-2,"\\n\\"é"]},true,"🦊"]',
    );
  });

  it('leaves to the general parser what jsonb rewrites or refuses, and parts as they were', () => {
    for (const text of ['1e2', '-0', '[1, -0.0]', '{"a": 1, "a": 2}', '"\\ud800"', '{"a" 1}', '01', ''])
      expect(written(text)).toBeUndefined();
  });

  it('writes a large document in pieces joined along the way, with the bytes of the tree', () => {
    const items = Array.from({ length: 5000 }, (_, i) => `{"z": ${i}, "a": "item ${i}", "m": [${i}.50]}`);
    const text = `{"list": [${items.join(', ')}], "b": {${items.map((item, i) => `"k${i}": ${item}`).join(', ')}}}`;
    const parts: string[] = [];
    expect(writeCanonicalJsonb(text, parts)).toBe(true);
    expect(parts.length).toBeLessThan(300);
    expect(parts.join('')).toBe(canonical(text));
  });

  it('answers exactly what the jsonb tree writes, whenever it answers', () => {
    let answered = 0;
    fc.assert(
      fc.property(doc, (text) => {
        const fast = written(text);
        if (fast === undefined) return;
        answered++;
        expect(fast).toBe(canonical(text));
      }),
      { numRuns: 2000 },
    );
    // The generator is not so odd that the one-pass writer never answers.
    expect(answered).toBeGreaterThan(500);
  });
});
