import { z } from 'zod';

/** Request types the pipeline fulfils. */
export const REQUEST_TYPES = ['access', 'erasure'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

/** A request id: safe to log, to use in object keys and in PagerDuty dedup keys. */
const requestId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits, ".", "_", ":" or "-", at most 128');

const identifierValues = z.union([z.string(), z.array(z.string())]);

/**
 * The shape of an intake message, version 1. Dates are checked separately so that a bad date gets
 * its own reason (`bad_date`).
 */
export const intakeMessageSchema = z.strictObject({
  version: z.literal(1),
  requestId,
  type: z.enum(REQUEST_TYPES),
  subject: z.record(z.string(), identifierValues),
  jurisdiction: z.string().regex(/^[A-Z][A-Z0-9_-]{1,31}$/, 'an upper-case code such as GDPR or CCPA'),
  receivedAt: z.string(),
  deadline: z.string().optional(),
  /** The language the subject wrote in (BCP 47, e.g. `de` or `de-AT`): the package is written in it when it can be. */
  language: z
    .string()
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/, 'a BCP 47 language tag such as de or de-AT')
    .optional(),
});

/** A validated Data Subject Request. */
export interface IntakeRequest {
  readonly version: 1;
  readonly requestId: string;
  readonly type: RequestType;
  /** Identity kind → raw values, exactly as the intake system sent them. Never logged. */
  readonly subject: Readonly<Record<string, readonly string[]>>;
  readonly jurisdiction: string;
  /** ISO-8601, as received. */
  readonly receivedAt: string;
  /** ISO-8601: given by the intake system, or computed from the jurisdiction. */
  readonly deadline: string;
  /** Whether `deadline` was computed here rather than given. */
  readonly deadlineComputed: boolean;
  /** The subject's language, as received; absent when the message names none. */
  readonly language?: string;
}
