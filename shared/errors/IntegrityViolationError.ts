import { DsrError } from './DsrError';

/** Why a hand-off was refused as an integrity violation (a value for the metric and the ledger). */
export type IntegrityReason =
  | 'payload_checksum_mismatch'
  | 'findings_malformed'
  | 'evidence_hash_mismatch'
  | 'request_id_mismatch'
  | 'subject_hash_mismatch'
  | 'tables_touched_mismatch'
  | 'ledger_subject_mismatch';

/**
 * What crossed a queue or the bucket between stages does not agree with itself or with the ledger:
 * a truncated or replaced claim check, findings whose recomputed evidence hash differs from the
 * one the message carries, a request id or subject hash that is not the ledger's. Permanent: the
 * request is quarantined with its reason and paged, never loaded.
 */
export class IntegrityViolationError extends DsrError {
  readonly retryable = false;
  readonly code = 'INTEGRITY_VIOLATION';
  constructor(
    readonly reason: IntegrityReason,
    message: string,
  ) {
    super(`${reason}: ${message}`);
  }
}
