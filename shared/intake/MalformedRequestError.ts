import { DsrError } from '../errors/DsrError';

/** Why an intake message was refused; machine-readable, used in dead-letter metadata. */
export type MalformedReason =
  | 'not_json'
  | 'unknown_version'
  | 'bad_shape'
  | 'no_identifier'
  | 'unknown_identity_kind'
  | 'oversized'
  | 'bad_date'
  | 'unknown_jurisdiction'
  /** The request id was seen before with a different subject: refused, never merged. */
  | 'conflicting_request'
  /** An extension or cancellation the request's ledger does not allow (late, repeated, ended). */
  | 'action_refused';

/**
 * An intake message that can never be processed. Permanent: it is dead-lettered at once.
 * The message names fields and kinds, never identifier values.
 */
export class MalformedRequestError extends DsrError {
  readonly retryable = false;
  readonly code = 'MALFORMED_REQUEST';

  constructor(
    readonly reason: MalformedReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${reason}: ${message}`, options);
  }
}
