import { z } from 'zod';

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const count = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/**
 * What every stage function reads from its environment (set by the stack in AWS, by the local
 * runtime on one machine). Secrets come either as Secrets Manager ARNs (AWS) or as plain values
 * (local runtime only).
 */
export const stageEnv = z.object({
  DSR_STAGE: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a stage name such as gate'),
  DSR_DATAMAP_PATH: z.string().min(1).default('datamap.yaml'),
  MAX_RECEIVE_COUNT: count(5, 1000),
  PAYLOAD_BUCKET: z.string({ error: 'is not set (the failed-payload bucket)' }).min(3),
  PAYLOAD_KMS_KEY_ARN: optional(z.string().min(1)),
  DEAD_LETTER_QUEUE_URL: optional(z.url()),
  NEXT_QUEUE_URL: optional(z.url()),
  HIGH_QUEUE_URL: optional(z.url()),
  DEAD_LETTER_QUEUE_ARNS: optional(z.string().min(1)),
  DSR_PRIORITY: optional(z.enum(['high', 'standard'])),
  DSR_SUBJECT_HASH_KEY: optional(z.string().min(32, 'must be at least 32 characters')),
  DSR_SUBJECT_HASH_KEY_SECRET_ARN: optional(z.string().min(1)),
  PAGERDUTY_ROUTING_KEY: optional(z.string().min(1)),
  PAGERDUTY_ROUTING_KEY_SECRET_ARN: optional(z.string().min(1)),
  PAGERDUTY_EVENTS_URL: optional(z.url()),
  DSR_DRIFT_THRESHOLD_PCT: z.coerce.number().min(0).max(100).default(5),
  DSR_DRIFT_CACHE_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
  DSR_PROMOTION_WINDOW_DAYS: count(7, 365),
  /** Also search the Snowflake mirrors of PostgreSQL tables (extractors given Snowflake access). */
  DSR_SEARCH_MIRRORS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
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
