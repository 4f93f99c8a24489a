import { DsrError } from '../../errors/DsrError';

/**
 * The findings a package was being written from are not the evidence they claim to be: the
 * evidence.json written hashes to something else than the evidence hash, or the rows per table
 * differ from the counts. Permanent; the package is removed, never left half-written. The message
 * names tables and hashes, never row values.
 */
export class PackageEvidenceMismatchError extends DsrError {
  readonly retryable = false;
  readonly code = 'PACKAGE_EVIDENCE_MISMATCH';
}
