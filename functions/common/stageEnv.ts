import { z } from 'zod';
import { count, forWhat, optional } from './envSchemas';

/**
 * What every queue-driven stage (extract, gate, load) reads, whatever its job. Each stage's own
 * schema (`functions/<stage>/<stage>Env.ts`) extends it with what that stage needs.
 */
export const stageEnv = z.object({
  DSR_STAGE: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a stage name such as gate'),
  DSR_DATAMAP_PATH: z.string().min(1).default('datamap.yaml'),
  MAX_RECEIVE_COUNT: count(5, 1000),
  PAYLOAD_BUCKET: z.string(forWhat('the failed-payload bucket')).min(3),
  PAYLOAD_KMS_KEY_ARN: optional(z.string().min(1)),
  DEAD_LETTER_QUEUE_URL: z.url(forWhat('the dead-letter queue this stage sends envelopes to')),
  DSR_BACKOFF_BASE_SECONDS: count(2, 3600),
  DSR_BACKOFF_CAP_SECONDS: count(900, 43_200),
  /** Consecutive retryable failures that open a dependency's circuit, and how long it stays open. */
  DSR_BREAKER_THRESHOLD: count(5, 1000),
  DSR_BREAKER_OPEN_MS: count(30_000, 3_600_000),
  /** Local runtime only: the loopback SQS and S3 endpoints. */
  DSR_SQS_ENDPOINT: optional(z.url()),
  DSR_S3_ENDPOINT: optional(z.url()),
  AWS_REGION: optional(z.string().min(1)),
});
export type StageEnv = z.output<typeof stageEnv>;

/** The subject-hash key: a plain value (local runtime) or its Secrets Manager ARN (AWS). */
export const subjectHashKeyFields = {
  DSR_SUBJECT_HASH_KEY: optional(z.string().min(32, 'must be at least 32 characters')),
  DSR_SUBJECT_HASH_KEY_SECRET_ARN: optional(z.string().min(1)),
};
export const SUBJECT_HASH_KEY_VARIABLES = ['DSR_SUBJECT_HASH_KEY', 'DSR_SUBJECT_HASH_KEY_SECRET_ARN'];

/**
 * PostgreSQL credentials: `PG_SECRET_ARN` (the RDS-format secret, in AWS), or `PG_DSN_FILE` (reread
 * on an authentication failure) or `PG_DSN` on one machine.
 */
export const pgCredentialFields = {
  PG_SECRET_ARN: optional(z.string().min(1)),
  PG_DSN: optional(z.string().min(1)),
  PG_DSN_FILE: optional(z.string().min(1)),
};
export const PG_CREDENTIAL_VARIABLES = ['PG_SECRET_ARN', 'PG_DSN', 'PG_DSN_FILE'];
