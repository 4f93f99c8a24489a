import type { CanonicalRow } from '../canonical/CanonicalValue';

/**
 * Heap a row found by an in-memory discovery takes at the peak of an extractor planning an erasure
 * from it, estimated: about 2,000 bytes for its finding, key, provenance, values, plan entry and the
 * copies made while they are sorted, collapsed and handed on, and three times its canonical JSON
 * (the text, the values it was written from, the hand-off's lines). Measured: the extract handler
 * in a heap-capped worker (`npm run bench -- --only heavy-pipeline --heavy-type erasure`) peaked at
 * 269 MiB for 100,001 rows of about 160 bytes of JSON and 759 MiB for 300,001 (2,570 bytes a row
 * between them; this estimate: 2,480); `planSubjectErasure` alone at 1,550 bytes a row for 64 bytes
 * of JSON, 5,270 for 2,048 and 17,900 for 8,192 (this estimate: 2,190, 8,140 and 26,580).
 */
export function heldRowBytes(rowJsonLength: number): number {
  return ROW_OVERHEAD_BYTES + 3 * rowJsonLength;
}

/** What a found row takes at the peak besides its text. */
export const ROW_OVERHEAD_BYTES = 2000;

/** The length of a row's canonical JSON, estimated from its values when it was not written. */
export function estimatedJsonLength(row: CanonicalRow): number {
  let length = 2;
  for (const [column, value] of Object.entries(row))
    length += column.length + 4 + (typeof value === 'string' ? value.length + 2 : 16);
  return length;
}
