import type { Dependency } from './Dependency';

/**
 * Base class of every error dsr-bridge raises on purpose.
 *
 * Two fields decide what happens to a failed record (see {@link failureKindOf}):
 * - {@link DsrError.dependency} names the external system at fault; only an error that names one
 *   and is retryable counts towards that system's circuit breaker;
 * - {@link DsrError.retryable}: a fault of the environment that may pass (a reset connection, an
 *   exhausted pool, a 503) or one that will fail the same way every time (a bad message, a data map
 *   that does not match the catalog).
 *
 * An error that is neither (a bug, a value the code cannot handle) is an internal error: see
 * {@link InternalError}. Messages never contain personal data: no identifier values, no row values.
 */
export abstract class DsrError extends Error {
  /** Whether trying the same work again later may succeed. */
  abstract readonly retryable: boolean;
  /** A stable, machine-readable code (e.g. `PG_POOL_EXHAUSTED`), used in dead-letter metadata. */
  abstract readonly code: string;
  /** The external system whose fault this is; undefined for errors of dsr-bridge itself. */
  readonly dependency?: Dependency;
  /** True for a bug or a value the code cannot handle: never a dependency's fault. */
  readonly internal?: boolean;

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

/**
 * How a failure is treated, the one place it is decided:
 * - `dependency`: a retryable fault of a named dependency; retried with backoff up to the receive
 *   limit, counted by that dependency's breaker;
 * - `transient`: retryable but not a dependency's fault (an open circuit, a ledger race); retried,
 *   never counted by a breaker;
 * - `permanent`: will fail the same way again (bad input, refused by a dependency, integrity);
 *   dead-lettered at once;
 * - `internal`: not classified — a plain `TypeError`, a value the code cannot handle; retried a
 *   bounded number of times (it may have been a race), never counted by a breaker, then
 *   dead-lettered as `INTERNAL_ERROR` with a stack fingerprint and an alarm.
 */
export type FailureKind = 'dependency' | 'transient' | 'permanent' | 'internal';

export function failureKindOf(error: unknown): FailureKind {
  if (!isDsrError(error) || error.internal === true) return 'internal';
  if (!error.retryable) return 'permanent';
  return error.dependency ? 'dependency' : 'transient';
}

/**
 * True when the error is a classified fault that says the same work may succeed later. An error
 * that is not a {@link DsrError} is not: it is a bug, retried only a bounded number of times.
 */
export function isRetryable(error: unknown): boolean {
  const kind = failureKindOf(error);
  return kind === 'dependency' || kind === 'transient';
}

/** True when the error is a retryable fault of `dependency` (what its circuit breaker counts). */
export function isDependencyFault(error: unknown, dependency: Dependency): boolean {
  return failureKindOf(error) === 'dependency' && (error as DsrError).dependency === dependency;
}
