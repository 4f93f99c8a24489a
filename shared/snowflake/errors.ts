import { DsrError } from '../errors/DsrError';

/** A Snowflake or driver failure, classified once (see {@link classifySnowflakeError}). */
export class SnowflakeError extends DsrError {
  override readonly dependency = 'snowflake' as const;
  readonly code: string;
  constructor(
    message: string,
    readonly retryable: boolean,
    /** Snowflake's error code (`002003`) or the driver's (`401001`), when there was one. */
    readonly snowflakeCode: string | undefined,
    readonly sqlState: string | undefined,
    /** The session under the statement is gone: a fresh login may succeed at once. */
    readonly sessionGone: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = `SF_${snowflakeCode ?? 'ERROR'}`;
  }
}

/**
 * A statement (or login) did not finish within its deadline. Retryable: a stalled warehouse or
 * network usually passes, and the deadline keeps the invocation well inside its Lambda timeout.
 */
export class SnowflakeDeadlineError extends DsrError {
  override readonly dependency = 'snowflake' as const;
  readonly retryable = true;
  readonly code = 'SF_DEADLINE';
  constructor(
    readonly what: 'statement' | 'login',
    readonly deadlineMs: number,
    options?: { cause?: unknown },
  ) {
    super(`Snowflake ${what} did not finish within ${deadlineMs} ms`, options);
  }
}
