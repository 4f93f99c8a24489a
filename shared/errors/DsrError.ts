/**
 * Base class of every error dsr-bridge raises on purpose.
 *
 * The one flag that matters downstream is {@link DsrError.retryable}: it decides backoff, the
 * circuit breaker and whether a message is dead-lettered at once. A retryable error is a fault of
 * the environment that may pass (a reset connection, an exhausted pool, a 503); a permanent one will
 * fail the same way every time (a bad message, a data map that does not match the catalog).
 *
 * Messages never contain personal data: no identifier values, no row values.
 */
export abstract class DsrError extends Error {
  /** Whether trying the same work again later may succeed. */
  abstract readonly retryable: boolean;
  /** A stable, machine-readable code (e.g. `PG_POOL_EXHAUSTED`), used in dead-letter metadata. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** True for any {@link DsrError}, even one thrown by a second bundled copy of this module. */
export function isDsrError(error: unknown): error is DsrError {
  return (
    error instanceof DsrError ||
    (error instanceof Error &&
      typeof (error as Partial<DsrError>).retryable === 'boolean' &&
      typeof (error as Partial<DsrError>).code === 'string')
  );
}

/** True when the error says the same work may succeed later. Unknown errors count as retryable faults. */
export function isRetryable(error: unknown): boolean {
  return isDsrError(error) ? error.retryable : true;
}
