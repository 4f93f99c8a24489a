import { DsrError } from '../errors/DsrError';

/**
 * A discovery that holds its findings in memory met rows that would take more of the process's
 * memory than it was allowed (`TraverseOptions.maxHeldBytes`): stopped before the process runs out
 * of memory. Permanent: the same subject has as many rows on the next attempt. The message names the
 * limit, the rows met and the way out, never a value.
 */
export class SubjectTooLargeError extends DsrError {
  readonly retryable = false;
  readonly code = 'SUBJECT_TOO_LARGE_FOR_MEMORY';

  constructor(
    readonly maxHeldBytes: number,
    readonly rowsMet: number,
  ) {
    super(
      `the subject's rows would take more than ${Math.round(maxHeldBytes / 2 ** 20)} MiB of this process's memory ` +
        `to plan an erasure from (DSR_ERASE_PLAN_HEAP_MIB; stopped after ${rowsMet} rows); erase this subject with ` +
        '`dsr erase` on a machine with more memory, or give the function more memory (extractMemoryMiB; ' +
        'the limit follows it unless DSR_ERASE_PLAN_HEAP_MIB is set)',
    );
  }
}
