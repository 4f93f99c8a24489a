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
    /** `code`: a name for the fix (e.g. `SF_NO_WAREHOUSE`) instead of `SF_<snowflake code>`. */
    options?: { cause?: unknown; code?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = options?.code ?? `SF_${snowflakeCode ?? 'ERROR'}`;
  }
}

/**
 * One finding (or ledger entry) is larger than a Snowflake VARIANT or bound value can hold (16 MB).
 * Permanent: retrying sends the same bytes. The message names the table and key columns, never
 * values. https://docs.snowflake.com/en/sql-reference/data-types-semistructured#characteristics-of-a-variant
 */
export class SnowflakeValueTooLargeError extends DsrError {
  readonly retryable = false;
  readonly code = 'SF_VALUE_TOO_LARGE';
  constructor(
    readonly table: string,
    readonly keyColumns: readonly string[],
    readonly bytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `a finding of ${table} (key columns ${keyColumns.join(', ') || '(none)'}) is ${bytes} bytes as JSON, more than the ${limitBytes} bytes a Snowflake VARIANT can hold; the request cannot be loaded as it is`,
    );
  }
}

/** The size limit of a VARIANT value and of one bound value: 16 MB. */
export const SNOWFLAKE_VARIANT_LIMIT_BYTES = 16 * 1024 * 1024;

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
