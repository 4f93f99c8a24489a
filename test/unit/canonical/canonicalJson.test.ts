import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalJsonText, type CanonicalValue, JsonNumber } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { compareCanonical, compareDecimal } from '../../../shared/canonical/compareCanonical';
import { parseExactJson } from '../../../shared/canonical/parseExactJson';
import { UnexpectedDataError } from '../../../shared/errors/errors';

describe('Function: canonicalJson', () => {
  it('sorts object keys at every depth by UTF-16 code units', () => {
    const value = { b: 1, a: { z: true, é: null, Z: 'x' }, A: [{ d: 1, c: 2 }] };
    expect(canonicalJson(value)).toBe('{"A":[{"c":2,"d":1}],"a":{"Z":"x","z":true,"é":null},"b":1}');
  });

  it('writes exact JSON numbers with their digits', () => {
    const value = { n: new JsonNumber('123456789012345678901234567890'), f: new JsonNumber('-0.10e+3') };
    expect(canonicalJson(value)).toBe('{"f":-0.10e+3,"n":123456789012345678901234567890}');
  });

  it('refuses non-finite numbers instead of writing invalid JSON', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/non-finite/);
  });

  it('escapes strings as JSON does, keeping unicode as is', () => {
    expect(canonicalJson(['a"b\\c\n', 'Ána 🦊'])).toBe('["a\\"b\\\\c\\n","Ána 🦊"]');
  });
});

describe('Function: parseExactJson', () => {
  it('keeps a 30-digit number exactly through parse and serialise', () => {
    const text = '{"n":123456789012345678901234567890,"x":[1.50,{"y":-2e-7}]}';
    expect(canonicalJson(parseExactJson(text))).toBe(text);
  });

  it('rejects duplicate keys rather than silently picking one', () => {
    expect(() => parseExactJson('{"a":1,"a":2}')).toThrow(/Duplicate key/);
  });
});

describe('Function: JsonNumber', () => {
  it('refuses text that is not a JSON number', () => {
    expect(() => new JsonNumber('1; DROP TABLE x')).toThrow(UnexpectedDataError);
    expect(() => new JsonNumber('NaN')).toThrow(UnexpectedDataError);
  });
});

describe('Function: compareCanonical', () => {
  it('orders integer strings numerically, not as text', () => {
    const keys = ['10', '9', '-3', '100000000000000000000', '0'];
    expect([...keys].sort(compareCanonical)).toEqual(['-3', '0', '9', '10', '100000000000000000000']);
  });

  it('puts numbers before other strings, and orders other strings by code unit', () => {
    expect(['b', 2, 'a', '1'].sort((a, b) => compareCanonical(a, b))).toEqual(['1', 2, 'a', 'b']);
  });

  it('compares decimals exactly beyond double precision', () => {
    expect(compareDecimal('149.900000000000000001', '149.9')).toBe(1);
    expect(compareDecimal('-0.000', '0')).toBe(0);
    expect(compareDecimal('-2.5', '-2.49')).toBe(-1);
    expect(compareDecimal('007', '7.0')).toBe(0);
  });
});

describe('Function: canonicalJson, fast path against the exact writer', () => {
  /** The same value with every object's keys in the given order. */
  const ordered =
    (direction: 1 | -1) =>
    (value: CanonicalValue): CanonicalValue => {
      if (Array.isArray(value)) return value.map(ordered(direction));
      if (
        value === null ||
        typeof value !== 'object' ||
        value instanceof JsonNumber ||
        value instanceof CanonicalJsonText
      )
        return value;
      const out: Record<string, CanonicalValue> = {};
      const keys = Object.keys(value).sort();
      for (const key of direction === 1 ? keys : keys.reverse())
        out[key] = ordered(direction)(value[key] as CanonicalValue);
      return out;
    };
  const sorted = ordered(1); // takes the native fast path
  const reversed = ordered(-1); // forces the exact writer

  it('writes a string that imitates the number marker as a string', () => {
    const value = { a: '\uF8FF123\uF8FF', b: new JsonNumber('7') };
    expect(canonicalJson(value)).toBe('{"a":"\uF8FF123\uF8FF","b":7}');
  });

  it('gives the same bytes on both paths for random values', () => {
    const exact = fc.oneof(
      fc.bigInt().map((n) => new JsonNumber(String(n))),
      fc.constant(new JsonNumber('-0.10e+3')),
    );
    const leaf = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      exact,
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('tree')),
        fc.dictionary(fc.string(), tie('tree')),
      ),
    }));
    fc.assert(
      fc.property(tree, (value) => {
        const v = value as CanonicalValue;
        expect(canonicalJson(sorted(v))).toBe(canonicalJson(reversed(v)));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same bytes when only some depths are out of order (the exact writer hands ordered members back to the fast path)', () => {
    /** Objects at even depths reversed, at odd depths sorted. */
    const alternating = (value: CanonicalValue, depth = 0): CanonicalValue => {
      if (Array.isArray(value)) return value.map((item) => alternating(item, depth + 1));
      if (
        value === null ||
        typeof value !== 'object' ||
        value instanceof JsonNumber ||
        value instanceof CanonicalJsonText
      )
        return value;
      const out: Record<string, CanonicalValue> = {};
      const keys = Object.keys(value).sort();
      for (const key of depth % 2 === 0 ? keys.reverse() : keys)
        out[key] = alternating(value[key] as CanonicalValue, depth + 1);
      return out;
    };
    const leaf = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.integer(),
      fc.constant(null),
      fc.constant('\uF8FF1\uF8FF'),
      fc.bigInt().map((n) => new JsonNumber(String(n))),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('tree')),
        fc.dictionary(fc.string(), tie('tree')),
      ),
    }));
    fc.assert(
      fc.property(tree, (value) => {
        const v = value as CanonicalValue;
        expect(canonicalJson(alternating(v))).toBe(canonicalJson(reversed(v)));
      }),
      { numRuns: 300 },
    );
    const plan = { version: 1, tables: [{ table: 't', rows: [{ key: { id: 1 }, rowHash: 'h' }] }] };
    expect(canonicalJson(plan)).toBe(
      '{"tables":[{"rows":[{"key":{"id":1},"rowHash":"h"}],"table":"t"}],"version":1}',
    );
  });

  it('leaves JSON.stringify of an exact number lossless outside canonical serialisation', () => {
    expect(JSON.stringify({ n: new JsonNumber('123456789012345678901234567890') })).toBe(
      '{"n":"123456789012345678901234567890"}',
    );
  });
});
