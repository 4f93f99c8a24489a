import { DsrError } from '../errors/DsrError';

/**
 * A discovery that holds its findings in memory met more rows than it was allowed to hold
 * (`TraverseOptions.maxRows`): stopped before the process runs out of memory. Permanent: the same
 * subject has as many rows on the next attempt. The message names the limit and the way out, never
 * a value.
 */
export class SubjectTooLargeError extends DsrError {
  readonly retryable = false;
  readonly code = 'SUBJECT_TOO_LARGE_FOR_MEMORY';

  constructor(readonly maxRows: number) {
    super(
      `the subject has more than ${maxRows} rows, the most an erasure is planned from in this process's memory ` +
        '(DSR_ERASE_PLAN_MAX_ROWS); erase this subject with `dsr erase` on a machine with more memory, ' +
        'or give the function more memory and raise DSR_ERASE_PLAN_MAX_ROWS',
    );
  }
}
