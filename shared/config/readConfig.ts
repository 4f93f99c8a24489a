import { z } from 'zod';
import { ConfigError } from '../errors/errors';

/**
 * Parses environment variables with a schema, once, at cold start; the first bad variable fails
 * with its name, so a misconfiguration fails the first invocation, not the thousandth.
 */
export function readConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ConfigError(String(issue?.path[0] ?? '(environment)'), issue?.message ?? 'invalid');
}

const positiveInt = (fallback: number, max = 10_000_000) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

/** PostgreSQL settings shared by the CLI, the local runtime and the extractors. */
export const postgresEnv = z.object({
  PG_POOL_MAX: positiveInt(4, 1000),
  PG_CONNECT_TIMEOUT_MS: positiveInt(5000),
  PG_STATEMENT_TIMEOUT_MS: positiveInt(30_000),
  PG_IDLE_IN_TX_TIMEOUT_MS: positiveInt(60_000),
  PG_SSLMODE: z.enum(['disable', 'require', 'verify-full']).default('disable'),
  PG_SSLROOTCERT: z.string().optional(),
  PG_APPLICATION_NAME: z.string().max(63).default('dsr-bridge'),
  DSR_PAGE_SIZE: positiveInt(1000, 100_000),
  DSR_TABLE_CONCURRENCY: positiveInt(4, 64),
});
export type PostgresEnv = z.output<typeof postgresEnv>;

/** The subject-hash key; at least 32 characters so the HMAC cannot be brute-forced from a short secret. */
export const subjectHashKeyEnv = z.object({
  DSR_SUBJECT_HASH_KEY: z
    .string({ error: 'is not set: the keyed subject hash needs a secret key (32+ characters)' })
    .min(32, 'must be at least 32 characters'),
});
