import type { CanonicalRow } from '../canonical/CanonicalValue';

/**
 * Heap a row found by an in-memory discovery takes at the peak of planning an erasure from it,
 * estimated: about 1,400 bytes for its finding, key, provenance, values, plan entry and the copies
 * made while they are sorted and collapsed, and twice its canonical JSON (the text and the values
 * it was written from). Measured through `planSubjectErasure` (peak heap above the process's before
 * it, sampled every 20 ms): 311 MiB for 210,000 rows of 64 bytes of JSON (1,550 a row), 186 MiB
 * for 37,000 of 2,048 (5,270), 171 MiB for 10,000 of 8,192 (17,900); what stays held once planned
 * is less (677, 4,659 and 16,985 bytes a row, with `--expose-gc`).
 */
export function heldRowBytes(rowJsonLength: number): number {
  return ROW_OVERHEAD_BYTES + 2 * rowJsonLength;
}

/** What a found row takes at the peak besides its text. */
export const ROW_OVERHEAD_BYTES = 1400;

/** The length of a row's canonical JSON, estimated from its values when it was not written. */
export function estimatedJsonLength(row: CanonicalRow): number {
  let length = 2;
  for (const [column, value] of Object.entries(row))
    length += column.length + 4 + (typeof value === 'string' ? value.length + 2 : 16);
  return length;
}
