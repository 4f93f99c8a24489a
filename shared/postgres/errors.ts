import { DsrError } from '../errors/DsrError';

/** A PostgreSQL failure, classified once (see {@link classifyPgError}). */
export class PostgresError extends DsrError {
  override readonly dependency = 'postgres' as const;
  readonly code: string;
  constructor(
    message: string,
    readonly retryable: boolean,
    /** SQLSTATE when the server sent one, else the Node error code. */
    readonly sqlState: string | undefined,
    /** The connection under the statement was lost: a fresh client may succeed at once. */
    readonly connectionLost: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = `PG_${sqlState ?? 'ERROR'}`;
  }
}

/** No pooled client became free within the connect timeout. Retryable: the load will pass. */
export class PoolExhaustedError extends DsrError {
  override readonly dependency = 'postgres' as const;
  readonly retryable = true;
  readonly code = 'PG_POOL_EXHAUSTED';
  constructor(timeoutMs: number, poolMax: number, options?: { cause?: unknown }) {
    super(`no PostgreSQL connection became free within ${timeoutMs} ms (pool max ${poolMax})`, options);
  }
}

/** The database refused the credentials even after they were fetched afresh. */
export class PgAuthenticationError extends DsrError {
  override readonly dependency = 'postgres' as const;
  // Retryable: during a single-user rotation the new password is briefly not yet valid.
  readonly retryable = true;
  readonly code = 'PG_28P01';
}

/**
 * Row security is active for the reading role on tables the data map names: its policies may hide
 * some of the subject's rows from every search, without an error. Permanent: the role's grants
 * decide it, not the moment.
 */
export class RowSecurityError extends DsrError {
  override readonly dependency = 'postgres' as const;
  readonly retryable = false;
  readonly code = 'PG_ROW_SECURITY_ACTIVE';
  constructor(readonly tables: readonly string[]) {
    super(
      `row security is active for the reading role on ${tables.join(', ')}: its policies may hide some of the subject's rows from the search, which would answer with less than there is; give the reading role BYPASSRLS, or make it the tables' owner`,
    );
  }
}
