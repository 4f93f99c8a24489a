import { DsrError } from '../errors/DsrError';

/**
 * A dependency's circuit is open: the work was not tried. Retryable after the cool-down. It names
 * the circuit, not a fault: it is `transient` (see `failureKindOf`), so it never counts towards a
 * breaker itself.
 */
export class DependencyUnavailableError extends DsrError {
  readonly retryable = true;
  readonly code = 'CIRCUIT_OPEN';
  constructor(
    readonly circuit: string,
    /** How long the circuit stays open: a retry sooner would not be tried either. */
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(`circuit open for ${circuit}: not tried`, options);
  }
}
