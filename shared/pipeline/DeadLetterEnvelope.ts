import { z } from 'zod';

/**
 * The body of a message this pipeline dead-letters: never the original body (which may hold
 * identifiers or rows) but a pointer to it in the encrypted payload bucket, with the failure
 * metadata. When redriven, the record processor fetches the original body and processes it again.
 */
export const deadLetterEnvelopeSchema = z.strictObject({
  kind: z.literal('dsr.deadLetter'),
  version: z.literal(1),
  original: z.strictObject({ bucket: z.string(), key: z.string() }),
  stage: z.string(),
  errorClass: z.string(),
  code: z.string(),
  reason: z.string().optional(),
  /** For `INTERNAL_ERROR`: where it was thrown (see `stackFingerprint`). */
  fingerprint: z.string().optional(),
  attempt: z.number().int(),
  traceId: z.string(),
  requestId: z.string().optional(),
  subjectHash: z.string().optional(),
  failedAt: z.string(),
});

export type DeadLetterEnvelope = z.output<typeof deadLetterEnvelopeSchema>;

/** The envelope in a body, or `undefined` when the body is something else. */
export function readDeadLetterEnvelope(body: string): DeadLetterEnvelope | undefined {
  if (!body.includes('"dsr.deadLetter"')) return undefined;
  try {
    const parsed = deadLetterEnvelopeSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
