import type { CanonicalObject } from '../canonical/CanonicalValue';

/** One step of a request's history in `DSR_LEDGER`. At most one entry per (request, state, stage). */
export interface LedgerEntry {
  readonly requestId: string;
  /** E.g. `received`, `discovered`, `loaded`, `failed`. */
  readonly state: string;
  /** The pipeline stage that wrote it, e.g. `intake`, `discover`, `load`. */
  readonly stage: string;
  /** When it happened; read back as UTC ISO-8601 with six fractional digits. */
  readonly at: Date | string;
  readonly traceId?: string | null;
  /** Counts, hashes, error codes: never personal data. */
  readonly detail?: CanonicalObject | null;
}
