import { z } from 'zod';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex');

/**
 * What intake systems are told when a request reaches a terminal state: which request, of what
 * type, how it ended, where its answer is and the hashes that prove it. Never an identifier or a
 * value: only codes, counts, hashes and the package's location.
 */
export const completionEventSchema = z.strictObject({
  kind: z.literal('dsr.request-completed'),
  version: z.literal(1),
  /** Stable per request and terminal state: a subscriber drops a repeated delivery by it. */
  eventId: sha256,
  requestId: z.string().min(1).max(128),
  type: z.enum(['access', 'erasure']),
  /** How the request ended, as the ledger names it. */
  state: z.enum(['loaded', 'erased', 'erasure_unverified', 'quarantined', 'cancelled', 'dead_lettered']),
  /** False only for `dead_lettered`, which an operator's redrive may resume. */
  final: z.boolean(),
  /** When the ledger recorded the state (ISO-8601). */
  at: z.string().min(1),
  jurisdiction: z.string().min(1).optional(),
  /** Why it ended that way, as a code (`identity_not_verified`, `schema_drift`, …). */
  reason: z
    .string()
    .regex(/^[a-z0-9_:.-]{1,64}$/)
    .optional(),
  /** `s3://BUCKET/packages/REQUEST_ID/`: the subject's package (an answered or erased request). */
  packageLocation: z.string().startsWith('s3://').optional(),
  /** SHA-256 of the canonical findings (an answered request). */
  evidenceHash: sha256.optional(),
  /** SHA-256 of the erasure receipt (an erased request). */
  receiptHash: sha256.optional(),
  rows: z.number().int().min(0).optional(),
});
export type CompletionEvent = z.output<typeof completionEventSchema>;
