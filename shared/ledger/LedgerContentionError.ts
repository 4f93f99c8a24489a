import { DsrError } from '../errors/DsrError';

/**
 * Other writers kept appending to a request's ledger chain between this writer's read and its
 * append, more times than it tries. Retryable: the record is tried again later, when they are done.
 */
export class LedgerContentionError extends DsrError {
  readonly retryable = true;
  readonly code = 'LEDGER_CONTENTION';
}
