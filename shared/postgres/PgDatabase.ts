import { createHash } from 'node:crypto';
import type { IPolicy } from 'cockatiel';
import pg from 'pg';
import type { CredentialSource, PgCredentials } from './CredentialSource';
import { classifyPgError } from './classifyPgError';
import { connectionLimitRetry } from './connectionLimitRetry';
import { PgAuthenticationError, PoolExhaustedError } from './errors';
import { PgTypeRegistry } from './PgTypeRegistry';

/** TLS towards PostgreSQL, as libpq's `sslmode` names it. */
export interface PgTlsOptions {
  /** `verify-full` checks the chain and the host name. @default 'disable' */
  readonly mode: 'disable' | 'require' | 'verify-full';
  /** PEM bundle to trust (e.g. the RDS CA bundle); the system store when absent. */
  readonly ca?: string;
}

export interface PgDatabaseOptions {
  readonly credentials: CredentialSource;
  /** Maximum pooled connections in this process. @default 4 */
  readonly poolMax?: number;
  /** Bound on waiting for a connection, pool slot included. @default 5000 */
  readonly connectTimeoutMs?: number;
  /** `statement_timeout` set on every connection. @default 30000 */
  readonly statementTimeoutMs?: number;
  /** `idle_in_transaction_session_timeout` set on every connection. @default 60000 */
  readonly idleInTransactionTimeoutMs?: number;
  /** How long an idle pooled client is kept. @default 30000 */
  readonly idleTimeoutMs?: number;
  /** @default 'dsr-bridge' */
  readonly applicationName?: string;
  readonly tls?: PgTlsOptions;
  /** Told about errors of idle clients (which would otherwise crash the process). Receives no PII. */
  readonly onIdleClientError?: (error: Error) => void;
  /** Retries a connect refused for too many connections (53300). @default {@link connectionLimitRetry} */
  readonly connectRetry?: IPolicy;
}

/**
 * Fixed output settings for every connection, so that PostgreSQL's text output, and with it the
 * canonical form, does not depend on server or role defaults. `TimeZone=UTC`: a `timestamptz` is
 * made UTC from any offset, but one inside a range or a composite value is text as the session
 * prints it, which would otherwise follow the database's time zone.
 */
const SESSION_OPTIONS =
  '-c DateStyle=ISO -c IntervalStyle=iso_8601 -c bytea_output=hex -c extra_float_digits=1 -c TimeZone=UTC';

/** Every value arrives as PostgreSQL's text; canonicalisation happens in one place, not in the driver. */
const RAW_TEXT_TYPES = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/**
 * The process's one PostgreSQL pool, created on first use and reused across Lambda invocations.
 *
 * - every client goes back on every path, and a client that errored is destroyed, not returned;
 * - pool exhaustion becomes a retryable {@link PoolExhaustedError} after the connect timeout;
 * - on SQLSTATE 28P01 the credentials are fetched afresh once and the pool is rebuilt, so a
 *   password rotated mid-sweep costs no request; the old pool drains as its clients come back.
 */
export class PgDatabase {
  readonly types: PgTypeRegistry;
  private readonly poolMax: number;
  private readonly connectTimeoutMs: number;
  private readonly connectRetry: IPolicy;
  private pool: Promise<pg.Pool> | undefined;
  private readonly retiring = new Set<pg.Pool>();

  constructor(private readonly options: PgDatabaseOptions) {
    this.poolMax = options.poolMax ?? 4;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.connectRetry = options.connectRetry ?? connectionLimitRetry();
    this.types = new PgTypeRegistry(
      async <R>(sql: string, params: unknown[]) => (await this.query(sql, params)).rows as R[],
    );
  }

  /** Runs one statement on a pooled client. Values are bind parameters, never interpolated. */
  async query<R extends object = Record<string, string | null>>(
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    return this.withClient((client) => client.query<R>(text, values));
  }

  /** Runs one statement and returns rows as arrays of PostgreSQL text, with the field descriptions. */
  async queryRaw(
    text: string,
    values: unknown[] = [],
    options: { readonly prepare?: boolean } = {},
  ): Promise<pg.QueryArrayResult<(string | null)[]>> {
    // A named statement is parsed once per connection and then only bound and executed.
    const name = options.prepare ? statementName(text) : undefined;
    return this.withClient((client) =>
      client.query<(string | null)[]>({ text, values, rowMode: 'array', ...(name ? { name } : {}) }),
    );
  }

  /**
   * Runs one statement and hands each row (arrays of PostgreSQL text) to `onRow` as it arrives,
   * with the field descriptions: the driver keeps no result set, so a large result costs no more
   * memory than the row at hand. `onRow` runs inside the driver's read of the socket: what it
   * throws is caught, the rest of the rows are ignored, and it is thrown as it is (not as a
   * PostgreSQL error) once the statement has ended. Resolves with the number of rows.
   */
  async streamRaw(
    text: string,
    values: unknown[],
    options: { readonly prepare?: boolean },
    onRow: (row: (string | null)[], fields: readonly { name: string; dataTypeID: number }[]) => void,
  ): Promise<number> {
    const name = options.prepare ? statementName(text) : undefined;
    // What `onRow` throws is the caller's, not PostgreSQL's: it is kept apart from the driver's
    // errors (which `withClient` classifies) and thrown once the statement has ended, the client
    // going back to the pool unharmed.
    let failure: { readonly error: unknown } | undefined;
    const rows = await this.withClient(
      (client) =>
        new Promise<number>((resolve, reject) => {
          let count = 0;
          const config: pg.QueryArrayConfig = { text, values, rowMode: 'array', ...(name ? { name } : {}) };
          const query = new pg.Query(config as unknown as pg.QueryConfig);
          query.on('row', (row: (string | null)[], result?: pg.ResultBuilder) => {
            if (failure !== undefined) return;
            try {
              onRow(row, result?.fields ?? []);
              count++;
            } catch (error) {
              failure = { error };
            }
          });
          query.on('error', reject);
          query.on('end', () => resolve(count));
          client.query(query);
        }),
    );
    if (failure !== undefined) throw failure.error;
    return rows;
  }

  /**
   * Lends a client to `work` and takes it back on every path. A client whose work failed is
   * destroyed rather than returned, since its session state is unknown. Errors come out classified.
   */
  async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    const loan = watchLoan(client);
    let result: T;
    try {
      result = await work(client);
    } catch (error) {
      loan.end();
      client.release(error instanceof Error ? error : true);
      throw classifyPgError(error);
    }
    // A connection that failed while lent (its backend terminated between statements) is destroyed.
    client.release(loan.end());
    return result;
  }

  /**
   * A cheap `SELECT 1` before an extraction batch. A failed check destroys that client and tries
   * once more on a fresh one, so a connection that died while the container was frozen is not used.
   */
  async healthCheck(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.acquire();
      const loan = watchLoan(client);
      try {
        await client.query('SELECT 1');
        client.release(loan.end());
        return;
      } catch (error) {
        loan.end();
        client.release(error instanceof Error ? error : true);
        if (attempt >= 2) throw classifyPgError(error);
      }
    }
  }

  /** Clients currently lent out, across the live pool and pools draining after a rotation. */
  async checkedOut(): Promise<number> {
    const pools = [...this.retiring];
    if (this.pool) pools.push(await this.pool);
    return pools.reduce((sum, p) => sum + (p.totalCount - p.idleCount), 0);
  }

  /** Closes every connection. The next use opens a new pool. */
  async end(): Promise<void> {
    const current = this.pool;
    this.pool = undefined;
    const pools: (pg.Pool | undefined)[] = [...this.retiring];
    this.retiring.clear();
    if (current) pools.push(await current.catch(() => undefined));
    await Promise.all(pools.map((p) => p?.end().catch(() => undefined)));
  }

  /** A pooled client; a connect refused for too many connections is retried with backoff. */
  private acquire(): Promise<pg.PoolClient> {
    return this.connectRetry.execute(() => this.acquireOnce());
  }

  private async acquireOnce(): Promise<pg.PoolClient> {
    const pool = await this.currentPool();
    try {
      return await pool.connect();
    } catch (error) {
      if ((error as { code?: string }).code !== '28P01') throw this.connectError(pool, error);
    }
    // The password was rejected: it may have been rotated. Fetch it afresh once and rebuild.
    const fresh = await this.rebuild(pool);
    try {
      return await fresh.connect();
    } catch (error) {
      if ((error as { code?: string }).code === '28P01') {
        throw new PgAuthenticationError(
          'PostgreSQL rejected the credentials, also after fetching them afresh',
          {
            cause: error,
          },
        );
      }
      throw this.connectError(fresh, error);
    }
  }

  private connectError(pool: pg.Pool, error: unknown): Error {
    const timedOut = error instanceof Error && /timeout exceeded when trying to connect/i.test(error.message);
    if (timedOut && pool.totalCount >= this.poolMax) {
      return new PoolExhaustedError(this.connectTimeoutMs, this.poolMax, { cause: error });
    }
    return classifyPgError(error);
  }

  private currentPool(): Promise<pg.Pool> {
    if (!this.pool) {
      const building = this.options.credentials.get().then((c) => this.createPool(c));
      building.catch(() => {
        if (this.pool === building) this.pool = undefined;
      });
      this.pool = building;
    }
    return this.pool;
  }

  /** Replaces `stale` with a pool on freshly fetched credentials; concurrent callers share one rebuild. */
  private async rebuild(stale: pg.Pool): Promise<pg.Pool> {
    const current = await this.currentPool();
    if (current !== stale) return current;
    const building = this.options.credentials.get({ forceRefresh: true }).then((c) => this.createPool(c));
    this.pool = building;
    this.retiring.add(stale);
    void stale
      .end()
      .catch(() => undefined)
      .finally(() => this.retiring.delete(stale));
    return building;
  }

  private createPool(credentials: PgCredentials): pg.Pool {
    const tls = this.options.tls ?? { mode: 'disable' };
    const pool = new pg.Pool({
      host: credentials.host,
      port: credentials.port,
      user: credentials.user,
      password: credentials.password,
      database: credentials.database,
      max: this.poolMax,
      connectionTimeoutMillis: this.connectTimeoutMs,
      idleTimeoutMillis: this.options.idleTimeoutMs ?? 30_000,
      // Idle pooled connections do not hold the process open: a command (or `dsr up` stopped by a
      // signal) exits when its work is done, not when the idle timeout closes the last connection.
      allowExitOnIdle: true,
      statement_timeout: this.options.statementTimeoutMs ?? 30_000,
      idle_in_transaction_session_timeout: this.options.idleInTransactionTimeoutMs ?? 60_000,
      application_name: this.options.applicationName ?? 'dsr-bridge',
      options: SESSION_OPTIONS,
      keepAlive: true,
      types: RAW_TEXT_TYPES,
      ssl:
        tls.mode === 'disable'
          ? false
          : tls.mode === 'require'
            ? { rejectUnauthorized: false }
            : { rejectUnauthorized: true, ...(tls.ca ? { ca: tls.ca } : {}) },
    });
    // Without a listener, an idle client that dies (server restart, pg_terminate_backend) crashes the process.
    pool.on('error', (error) => this.options.onIdleClientError?.(error));
    return pool;
  }
}

const statementNames = new Map<string, string>();

/** A stable name for a prepared statement: the same text always gets the same name. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `dsr_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Listens for `error` on a client while it is lent out: the pool listens only to idle clients, and
 * an unheard `error` (a backend terminated between two statements) would crash the process.
 * `end()` stops listening and returns the error that arrived, if any, to release the client with.
 */
function watchLoan(client: pg.PoolClient): { end(): Error | undefined } {
  let failure: Error | undefined;
  const onError = (error: Error) => {
    failure = error;
  };
  client.on('error', onError);
  return {
    end: () => {
      client.removeListener('error', onError);
      return failure;
    },
  };
}
