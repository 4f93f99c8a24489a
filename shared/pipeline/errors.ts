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
