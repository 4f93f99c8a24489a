import { z } from 'zod';
import { optional } from './envSchemas';

/**
 * What an erasure plan may hold in a function's memory: the extractors plan erasures, and the erase
 * function plans again after stale rows, each from a discovery held in memory.
 */
export const erasePlanLimitFields = {
  /**
   * Rows the discovery behind an erasure plan may hold; a subject with more is refused
   * (`SUBJECT_TOO_LARGE_FOR_MEMORY`, quarantined) instead of running the function out of memory.
   * Unset: {@link erasePlanMaxRows} of the function's memory, no limit when that is unknown.
   */
  DSR_ERASE_PLAN_MAX_ROWS: optional(z.coerce.number().int().min(1).max(100_000_000)),
  /** Set by Lambda itself (MiB); absent on one machine. */
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: optional(z.coerce.number().int().min(128)),
};

/**
 * Rows an erasure is planned from per MiB of the function's memory above {@link BASE_MIB}. Planning
 * holds about 1.2–1.5 KiB of heap per found row and peaks near twice that (measured on the erasure
 * bench's shape: 140,000 rows peaked at 296–336 MiB RSS, 200,000 at 427 MiB): 400 rows per MiB
 * (2.5 KiB a row) leaves room for wider rows.
 */
export const ERASE_PLAN_ROWS_PER_MIB = 400;
/** The process before any row: the runtime, the modules, connection pools, the data map. */
export const BASE_MIB = 160;

/**
 * The rows an erasure plan may hold: `DSR_ERASE_PLAN_MAX_ROWS` when set, else what the function's
 * memory holds (512 MiB: 140,800 rows; 1024 MiB: 345,600), else no limit (one machine, where the
 * process has the machine's memory).
 */
export function erasePlanMaxRows(env: {
  readonly DSR_ERASE_PLAN_MAX_ROWS?: number | undefined;
  readonly AWS_LAMBDA_FUNCTION_MEMORY_SIZE?: number | undefined;
}): number | undefined {
  if (env.DSR_ERASE_PLAN_MAX_ROWS !== undefined) return env.DSR_ERASE_PLAN_MAX_ROWS;
  const memory = env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
  if (memory === undefined) return undefined;
  return Math.max(1, Math.floor((memory - BASE_MIB) * ERASE_PLAN_ROWS_PER_MIB));
}

/** `{ maxRows }` for a limit, nothing for none (the deps' property is optional, not undefined). */
export function maxRowsOption(maxRows: number | undefined): { maxRows?: number } {
  return maxRows === undefined ? {} : { maxRows };
}
