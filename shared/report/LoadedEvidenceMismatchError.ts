import { DsrError } from '../errors/DsrError';

/**
 * The evidence read back from `DSR_FINDINGS` in pages is not the evidence that was loaded (see
 * `streamLoadedFindings`): its recomputed hash differs from the stored `EVIDENCE_HASH`, the rows
 * carry more than one stored hash, or a row belongs to a table the data map does not declare.
 * Permanent: reading again gives the same rows. The message names tables and hashes, never values.
 */
export class LoadedEvidenceMismatchError extends DsrError {
  readonly retryable = false;
  readonly code = 'EVIDENCE_MISMATCH';
}
