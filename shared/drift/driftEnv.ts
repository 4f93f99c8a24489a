import { z } from 'zod';

/** Drift gate settings for the pipeline. */
export const driftEnv = z.object({
  /** Drift above this percentage of compared columns halts. */
  DSR_DRIFT_THRESHOLD_PCT: z.coerce.number().min(0).max(100).default(5),
  /** How long catalog reads are reused, in milliseconds. */
  DSR_DRIFT_CACHE_TTL_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
});
export type DriftEnv = z.output<typeof driftEnv>;
