import { DsrError } from '../errors/DsrError';

/**
 * A stored erasure receipt does not verify: its text is not canonical JSON, does not match its
 * hash, or names another request. Permanent: reading again gives the same row. The message names
 * the request and the hashes, never a value.
 */
export class ErasureReceiptMismatchError extends DsrError {
  readonly retryable = false;
  readonly code = 'ERASURE_RECEIPT_MISMATCH';

  constructor(
    readonly requestId: string,
    readonly reason: 'not_canonical' | 'malformed' | 'hash_mismatch' | 'request_mismatch',
    detail: string,
  ) {
    super(`erasure receipt of request ${requestId} does not verify (${reason}): ${detail}`);
  }
}
