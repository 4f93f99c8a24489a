import { parse } from 'lossless-json';
import { UnexpectedDataError } from '../errors/errors';
/**
 * A JSON number kept as the exact text it was written with, so that a 30-digit number inside a
 * JSONB document never passes through a JavaScript double.
 */
export class JsonNumber {
  private static readonly grammar = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

  constructor(readonly text: string) {
    if (!JsonNumber.grammar.test(text)) throw new UnexpectedDataError('not a JSON number');
  }

  toString(): string {
    return this.text;
  }

  /**
   * What `JSON.stringify` writes for it. Outside canonical serialisation that is the exact digits
   * as a string (lossless, if not a number); `canonicalJson` switches it to a marked form that it
   * turns back into the bare digits.
   */
  toJSON(): string {
    return JsonNumber.onJson ? JsonNumber.onJson(this.text) : this.text;
  }

  /** Set by `canonicalJson` for the duration of one synchronous `JSON.stringify` call. */
  static onJson: ((text: string) => string) | undefined;
}

/**
 * A JSON document kept as its canonical JSON text instead of a tree: how a very large `json`/`jsonb`
 * value is held (see `canonicalizePgValue`), because a tree of small objects costs 10–30 times
 * its text in memory. `canonicalJson` writes the text as it is; anything that turns the value into
 * a tree (`JSON.stringify` through `toJSON`) parses it exactly, with the cost the text form avoids.
 */
export class CanonicalJsonText {
  /** @param text canonical JSON (keys sorted, no white space, exact numbers), as `canonicalJson` writes. */
  constructor(readonly text: string) {}

  /** The document as a tree (exact numbers as {@link JsonNumber}), for code that needs one. */
  toJSON(): unknown {
    // The text is canonical (keys sorted, unique), so a plain exact parse gives the tree.
    return parse(this.text, undefined, (digits) => new JsonNumber(digits));
  }
}

/** A JSON object with string keys; serialised with its keys sorted. */
export interface CanonicalObject {
  [key: string]: CanonicalValue;
}

/**
 * A value in canonical form. Integers that fit a double and finite floats are JS numbers; exact
 * numbers (int8, numeric, money) are strings; numbers inside JSON documents are {@link JsonNumber}.
 */
export type CanonicalValue =
  | null
  | boolean
  | number
  | string
  | JsonNumber
  | CanonicalJsonText
  | CanonicalValue[]
  | CanonicalObject;

/** One row in canonical form: column name → value. */
export type CanonicalRow = CanonicalObject;
