import { z } from 'zod';
import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { parseExactJson } from '../canonical/parseExactJson';
import { type ErasureReceipt, receiptHashOf } from './buildErasureReceipt';
import { ErasureReceiptMismatchError } from './ErasureReceiptMismatchError';

const system = z.enum(['postgres', 'snowflake']);
const count = z.number().int().min(0);
const hash = z.string().regex(/^[0-9a-f]{64}$/);

const receiptSchema = z.strictObject({
  version: z.literal(1),
  requestId: z.string().min(1),
  subject: z.strictObject({ hash }),
  planHash: hash,
  findingsHash: hash,
  outcome: z.enum(['erased', 'erasure_unverified']),
  completedAt: z.string().min(1),
  tables: z.array(
    z.strictObject({
      system,
      table: z.string().min(1),
      action: z.enum(['delete', 'mask', 'retain', 'none']),
      found: count,
      excluded: count,
      deleted: count,
      masked: count,
      maskedColumns: z.array(z.string()),
      retained: count,
      ground: z.string().nullable(),
      until: z.string().nullable(),
      remaining: count,
      unrecoverableAfterDays: count.nullable(),
      unrecoverableBasis: z.string(),
      party: z.string().min(1).optional(),
      shared: z
        .strictObject({
          setting: z.enum(['retain', 'erase', 'mask-own']),
          retained: count,
          changed: count,
          otherPersons: count,
          referencedBy: z.record(z.string(), count),
        })
        .optional(),
    }),
  ),
  remaining: z.array(
    z.strictObject({
      system,
      table: z.string().min(1),
      rows: count,
      reason: z.enum([
        'rows_remain',
        'identifier_in_masked_column',
        'identifier_in_unmasked_column',
        'no_erasure_rule',
        'found_beyond_map',
        'scan_incomplete',
      ]),
      column: z.string().min(1).optional(),
    }),
  ),
  ownCopies: z
    .strictObject({ earlierRequests: count, findingRowsCleared: count, objectsDeleted: count })
    .optional(),
  receiptHash: hash,
});

/** The receipt's canonical JSON: what is stored, byte for byte. */
export function erasureReceiptText(receipt: ErasureReceipt): string {
  return canonicalJson(receipt as unknown as CanonicalValue);
}

/**
 * Reads a stored receipt and verifies it: the text must be canonical JSON (parsed with exact
 * digits and written again, byte-identical), of the receipt's shape, of the request asked for, and
 * its recomputed hash must equal the hash it carries and `storedHash` (the row's RECEIPT_HASH).
 * Throws {@link ErasureReceiptMismatchError} otherwise.
 */
export function parseErasureReceiptText(requestId: string, text: string, storedHash: string): ErasureReceipt {
  let exact: CanonicalValue;
  try {
    exact = parseExactJson(text);
  } catch {
    throw new ErasureReceiptMismatchError(requestId, 'malformed', 'the stored text is not JSON');
  }
  if (canonicalJson(exact) !== text)
    throw new ErasureReceiptMismatchError(
      requestId,
      'not_canonical',
      'the stored text is not the canonical JSON of the receipt (keys, digits or spacing changed)',
    );
  const shaped = receiptSchema.safeParse(JSON.parse(text));
  if (!shaped.success)
    throw new ErasureReceiptMismatchError(
      requestId,
      'malformed',
      `fields ${[...new Set(shaped.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ')}`,
    );
  const receipt = shaped.data as ErasureReceipt;
  if (receipt.requestId !== requestId)
    throw new ErasureReceiptMismatchError(
      requestId,
      'request_mismatch',
      'the stored receipt names another request',
    );
  const recomputed = receiptHashOf(exact as unknown as ErasureReceipt);
  if (recomputed !== receipt.receiptHash || recomputed !== storedHash)
    throw new ErasureReceiptMismatchError(
      requestId,
      'hash_mismatch',
      `recomputed ${recomputed}, the receipt carries ${receipt.receiptHash}, the row ${storedHash}`,
    );
  return receipt;
}
