/** A UTF-16 surrogate without its pair: text that has no UTF-8 form and would be replaced on the wire. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether text is well-formed unicode. A lone surrogate becomes U+FFFD on its way to a database,
 * so two different ill-formed identifiers could match the same stored value, or hash alike.
 */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}
