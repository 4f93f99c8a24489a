import { DsrError } from '../errors/DsrError';

/** A dependency's circuit is open: the work was not tried. Retryable after the cool-down. */
export class DependencyUnavailableError extends DsrError {
  readonly retryable = true;
  readonly code = 'CIRCUIT_OPEN';
  constructor(
    readonly dependency: string,
    /** How long the circuit stays open: a retry sooner would not be tried either. */
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(`circuit open for ${dependency}: not tried`, options);
  }
}
