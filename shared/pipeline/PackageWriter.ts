import type { FindingsSource } from '../discovery/FindingsStream';
import type { ErasureReceipt } from '../erasure/buildErasureReceipt';

/**
 * Writes the subject's package where the intake system fetches it (`packages/<request id>/` in
 * the payload bucket) when a request ends: an access request once all its findings landed, before
 * `loaded` is recorded; an erasure request once its receipt is stored, before `erased` (or
 * `erasure_unverified`) is recorded. So the completion event, which follows the terminal state,
 * never points at a package that is not there. Writing again gives the same files.
 */
export interface PackageWriter {
  /** The access package: the page, the data files, `evidence.json` and the manifest. */
  access(requestId: string, findings: FindingsSource): Promise<void>;
  /** The erasure confirmation in the same form: the page, `receipt.json` and the manifest. */
  erasure(requestId: string, receipt: ErasureReceipt): Promise<void>;
}
