import { z } from 'zod';

/**
 * Configuration of an erasure run. The write DSN belongs to a dedicated database role (DELETE and
 * UPDATE on the mapped tables only, SELECT for the re-check; see README, Erasure); the discovery
 * connection (`PG_DSN`) stays read-only.
 */
/**
 * MiB of heap the rows behind an erasure plan may take, estimated per row (`heldRowBytes`): read by
 * `dsr erase` here and by the functions that plan erasures (`functions/common/erasePlanLimit.ts`).
 */
export const erasePlanHeapMib = z.coerce.number().int().min(1).max(1_000_000);

export const erasureEnv = z.object({
  /** DSN of the erasure role; `dsr erase --write-dsn` takes precedence. */
  DSR_ERASURE_PG_DSN: z.string().min(1).optional(),
  /** Key of the keyed-hash mask (HMAC-SHA256); needed to execute a plan. 32+ characters. */
  DSR_ERASURE_MASK_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Days the operator keeps PostgreSQL backups and WAL archives: when erased rows become unrecoverable. */
  DSR_PG_BACKUP_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).optional(),
  /**
   * MiB of heap the rows behind the plan may take, estimated per row (`heldRowBytes`); a subject
   * whose rows take more is refused before anything is planned. Default: two thirds of the process's
   * heap limit (`dsr erase`).
   */
  DSR_ERASE_PLAN_HEAP_MIB: erasePlanHeapMib.optional(),
});
export type ErasureEnv = z.output<typeof erasureEnv>;
