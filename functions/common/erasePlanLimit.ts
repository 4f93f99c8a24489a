import { z } from 'zod';
import { erasePlanHeapMib } from '../../shared/erasure/erasureEnv';
import { optional } from './envSchemas';

/**
 * What an erasure plan may hold in a function's memory: the extractors plan erasures, and the erase
 * function plans again after stale rows, each from a discovery held in memory.
 */
export const erasePlanLimitFields = {
  /**
   * MiB of heap the rows behind an erasure plan may take, estimated per row (`heldRowBytes`); a
   * subject whose rows take more is refused (`SUBJECT_TOO_LARGE_FOR_MEMORY`, dead-lettered) instead
   * of running the function out of memory. Unset: {@link erasePlanHeapBytes} of the function's
   * memory, no limit when that is unknown.
   */
  DSR_ERASE_PLAN_HEAP_MIB: optional(erasePlanHeapMib),
  /** Set by Lambda itself (MiB); absent on one machine. */
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: optional(z.coerce.number().int().min(128)),
};

/**
 * The process before any row (the runtime, the modules, connection pools, the data map), MiB: the
 * planning process's resident size was 121–122 MiB before discovery in the measurements of `heldRowBytes`.
 */
export const BASE_MIB = 160;

/**
 * The estimated peak heap the rows behind an erasure plan may take (`heldRowBytes`):
 * `DSR_ERASE_PLAN_HEAP_MIB` when set, else two thirds of the function's memory above
 * {@link BASE_MIB} (the extractors' 512 MiB: 234 MiB, about 99,000 rows of 160 bytes of JSON or
 * 30,000 of 2 KiB; the erase function's 1024: 576 MiB), else no limit (one machine, where the process has
 * the machine's memory). The rest is left to what planning holds besides (the plan's JSON for the
 * erasure case, the hand-off's parts) and to the heap's own slack.
 */
export function erasePlanHeapBytes(env: {
  readonly DSR_ERASE_PLAN_HEAP_MIB?: number | undefined;
  readonly AWS_LAMBDA_FUNCTION_MEMORY_SIZE?: number | undefined;
}): number | undefined {
  const mib =
    env.DSR_ERASE_PLAN_HEAP_MIB ??
    (env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE === undefined
      ? undefined
      : Math.max(1, Math.floor(((env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE - BASE_MIB) * 2) / 3)));
  return mib === undefined ? undefined : mib * 2 ** 20;
}

/** `{ maxHeldBytes }` for a limit, nothing for none (the deps' property is optional, not undefined). */
export function heldBytesOption(maxHeldBytes: number | undefined): { maxHeldBytes?: number } {
  return maxHeldBytes === undefined ? {} : { maxHeldBytes };
}
