import { DsrError } from '../errors/DsrError';

/** A stage message that does not match its schema. Permanent. */
export class MalformedStageMessageError extends DsrError {
  readonly retryable = false;
  readonly code = 'MALFORMED_STAGE_MESSAGE';
}

/** A claim-checked payload is missing from the bucket. Permanent: it will not appear later. */
export class PayloadMissingError extends DsrError {
  readonly retryable = false;
  readonly code = 'PAYLOAD_MISSING';
}

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
