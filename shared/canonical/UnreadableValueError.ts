/** Why one stored value has no canonical form. Codes only: a reason never carries the value. */
export type UnreadableReason =
  /** Text with a lone UTF-16 surrogate (`"\ud800"` in a `json` value): it has no UTF-8 form. */
  | 'ill_formed_unicode'
  /** A JSON number beyond what `jsonb` (PostgreSQL `numeric`) can hold. */
  | 'number_out_of_range'
  /** Text that is not what its type promises (e.g. malformed JSON). */
  | 'malformed';

/**
 * One stored value cannot be put into canonical form. The searcher reports the row (table, key,
 * column, reason) and goes on with the others; the message holds the reason, never the value.
 */
export class UnreadableValueError extends Error {
  override readonly name = 'UnreadableValueError';

  constructor(readonly reason: UnreadableReason) {
    super(`value has no canonical form: ${reason}`);
  }
}
