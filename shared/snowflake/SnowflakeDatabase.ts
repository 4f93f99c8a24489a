import snowflake from 'snowflake-sdk';
import type { CanonicalRow } from '../canonical/CanonicalValue';
import { ConfigError } from '../errors/errors';
import { canonicalizeSnowflakeValue, type SnowflakeResultColumn } from './canonicalizeSnowflakeValue';
import { classifySnowflakeError } from './classifySnowflakeError';
import { ensureSnowflakeDriverConfigured } from './configureSnowflakeDriver';
import { SnowflakeDeadlineError, SnowflakeError } from './errors';
import type { PrivateKeySource } from './PrivateKeySource';
import { isLoopbackUrl } from './snowflakeEnv';

/** A bind value as the driver sends it (every value travels as text). */
export type SnowflakeBind = string | number | boolean | null;

export interface SnowflakeDatabaseOptions {
  readonly account: string;
  readonly user: string;
  /** Key-pair authentication (`SNOWFLAKE_JWT`): the production way. */
  readonly privateKey?: PrivateKeySource;
  /** Password authentication: refused unless `accessUrl` is a loopback address. */
  readonly password?: string;
  /** Set only when configured; otherwise the driver derives the URL from the account. */
  readonly accessUrl?: string;
  readonly warehouse?: string;
  readonly database?: string;
  readonly schema?: string;
  readonly role?: string;
  readonly proxy?: { readonly host: string; readonly port: number };
  /** Overall deadline of one statement, the driver's retries included. @default 60000 */
  readonly statementTimeoutMs?: number;
  /** Overall deadline of a login. @default 30000 */
  readonly loginTimeoutMs?: number;
  /** Deadline of one HTTP attempt (the driver's `timeout`). @default 30000 */
  readonly networkTimeoutMs?: number;
  /** Login attempts the driver retries after a network fault or 5xx (`sfRetryMaxLoginRetries`). @default 3 */
  readonly maxLoginRetries?: number;
}

/** The result of a statement: its columns and its rows in canonical form. */
export interface SnowflakeResult {
  readonly columns: readonly SnowflakeResultColumn[];
  /** Canonical rows, keys in sorted order. */
  readonly rows: CanonicalRow[];
  /** Rows inserted, updated or deleted by DML; undefined for other statements. */
  readonly rowsAffected: number | undefined;
}

/**
 * The process's one Snowflake session, reused across invocations and logged in again when the
 * session is gone (`390104`/`390111`, or the driver reports it down). Every statement runs under an
 * overall deadline that turns a stall into a retryable {@link SnowflakeDeadlineError}; every failure
 * is classified once into a {@link SnowflakeError}. Values are fetched as text where the driver
 * would round them, and handed back in canonical form.
 */
export class SnowflakeDatabase {
  private current: snowflake.Connection | undefined;
  private connecting: Promise<snowflake.Connection> | undefined;
  private closed = false;
  private readonly statementTimeoutMs: number;
  private readonly loginTimeoutMs: number;
  private readonly networkTimeoutMs: number;

  constructor(private readonly options: SnowflakeDatabaseOptions) {
    if ((options.privateKey === undefined) === (options.password === undefined))
      throw new ConfigError('SNOWFLAKE_PRIVATE_KEY_PATH', 'give exactly one of a private key or a password');
    if (options.password !== undefined && !isLoopbackUrl(options.accessUrl))
      throw new ConfigError(
        'SNOWFLAKE_PASSWORD',
        'password authentication is allowed only towards a loopback endpoint; use key-pair authentication',
      );
    this.statementTimeoutMs = positive('statementTimeoutMs', options.statementTimeoutMs ?? 60_000);
    this.loginTimeoutMs = positive('loginTimeoutMs', options.loginTimeoutMs ?? 30_000);
    this.networkTimeoutMs = positive('networkTimeoutMs', options.networkTimeoutMs ?? 30_000);
  }

  /** Runs a statement and returns its rows in canonical form. */
  async query(sql: string, binds?: readonly SnowflakeBind[]): Promise<CanonicalRow[]> {
    return (await this.run(sql, binds)).rows;
  }

  /**
   * Runs a statement, with one row of binds or (for array binds) one array per row, and returns its
   * columns, canonical rows and the number of rows it changed.
   */
  async execute(
    sql: string,
    binds?: readonly SnowflakeBind[] | readonly (readonly SnowflakeBind[])[],
  ): Promise<SnowflakeResult> {
    return this.run(sql, binds);
  }

  /** Ends the session. Statements after this fail. */
  async close(): Promise<void> {
    this.closed = true;
    const connection = this.current ?? (await this.connecting?.catch(() => undefined));
    this.current = undefined;
    if (connection) await destroy(connection);
  }

  private async run(
    sql: string,
    binds: readonly SnowflakeBind[] | readonly (readonly SnowflakeBind[])[] | undefined,
  ): Promise<SnowflakeResult> {
    // A statement refused because the session is gone never ran: running it again after a fresh
    // login is safe. Once.
    for (let attempt = 0; ; attempt++) {
      const connection = await this.connection();
      try {
        return await this.executeOnce(connection, sql, binds);
      } catch (error) {
        const classified = classifySnowflakeError(error);
        const sessionGone = classified instanceof SnowflakeError && classified.sessionGone;
        if (sessionGone || !connection.isUp()) this.forget(connection);
        if (sessionGone && attempt === 0 && !this.closed) continue;
        throw classified;
      }
    }
  }

  private executeOnce(
    connection: snowflake.Connection,
    sql: string,
    binds: readonly SnowflakeBind[] | readonly (readonly SnowflakeBind[])[] | undefined,
  ): Promise<SnowflakeResult> {
    return new Promise((resolve, reject) => {
      let statement: snowflake.RowStatement | undefined;
      const timer = setTimeout(() => {
        statement?.cancel(() => {});
        reject(new SnowflakeDeadlineError('statement', this.statementTimeoutMs));
      }, this.statementTimeoutMs);
      try {
        statement = connection.execute({
          sqlText: sql,
          ...(binds ? { binds: binds as snowflake.Binds } : {}),
          fetchAsString: ['Number', 'JSON'],
          rowMode: 'array',
          complete: (err, stmt, rows) => {
            clearTimeout(timer);
            if (err) {
              reject(err);
              return;
            }
            try {
              resolve(toResult(stmt, rows ?? []));
            } catch (cause) {
              reject(cause);
            }
          },
        });
      } catch (error) {
        clearTimeout(timer);
        reject(error);
      }
    });
  }

  private async connection(): Promise<snowflake.Connection> {
    if (this.closed)
      throw new SnowflakeError('the Snowflake session was closed', false, undefined, undefined, false);
    if (this.current?.isUp()) return this.current;
    if (this.current) this.forget(this.current);
    this.connecting ??= this.login().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private forget(connection: snowflake.Connection): void {
    if (this.current === connection) this.current = undefined;
    void destroy(connection);
  }

  private async login(): Promise<snowflake.Connection> {
    ensureSnowflakeDriverConfigured();
    const o = this.options;
    const credentials = o.privateKey
      ? { authenticator: 'SNOWFLAKE_JWT', privateKey: await o.privateKey.get() }
      : { authenticator: 'SNOWFLAKE', password: o.password };
    const connection = snowflake.createConnection({
      account: o.account,
      username: o.user,
      ...credentials,
      ...(o.accessUrl ? { accessUrl: o.accessUrl } : {}),
      ...(o.warehouse ? { warehouse: o.warehouse } : {}),
      ...(o.database ? { database: o.database } : {}),
      ...(o.schema ? { schema: o.schema } : {}),
      ...(o.role ? { role: o.role } : {}),
      ...(o.proxy ? { proxyHost: o.proxy.host, proxyPort: o.proxy.port } : {}),
      timeout: this.networkTimeoutMs,
      sfRetryMaxLoginRetries: o.maxLoginRetries ?? 3,
      fetchAsString: ['Number', 'JSON'],
      representNullAsStringNull: false,
      jsTreatIntegerAsBigInt: false,
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        void destroy(connection);
        reject(new SnowflakeDeadlineError('login', this.loginTimeoutMs));
      }, this.loginTimeoutMs);
      try {
        // connect(cb), not connectAsync(): the latter resolves even when the login fails.
        connection.connect((err) => {
          clearTimeout(timer);
          if (err) reject(classifySnowflakeError(err));
          else if (!connection.isUp())
            reject(
              new SnowflakeError(
                'Snowflake login did not establish a session',
                true,
                undefined,
                undefined,
                true,
              ),
            );
          else resolve();
        });
      } catch (error) {
        clearTimeout(timer);
        reject(classifySnowflakeError(error));
      }
    });
    if (this.closed) {
      await destroy(connection);
      throw new SnowflakeError('the Snowflake session was closed', false, undefined, undefined, false);
    }
    this.current = connection;
    return connection;
  }
}

function toResult(statement: snowflake.RowStatement, rows: unknown[]): SnowflakeResult {
  const columns: SnowflakeResultColumn[] = (statement.getColumns() ?? []).map((c) => ({
    name: c.getName(),
    type: c.getType(),
    scale: c.getScale(),
    precision: c.getPrecision(),
  }));
  // Rows are built with their keys in sorted order (the canonical order).
  const order = columns
    .map((c, j) => ({ c, j }))
    .sort((a, b) => (a.c.name < b.c.name ? -1 : a.c.name > b.c.name ? 1 : 0));
  const canonical = rows.map((raw) => {
    const values = raw as unknown[];
    const row: CanonicalRow = {};
    for (const { c, j } of order) row[c.name] = canonicalizeSnowflakeValue(values[j], c);
    return row;
  });
  const updated = (statement as { getNumUpdatedRows?: () => number | undefined }).getNumUpdatedRows?.();
  return {
    columns,
    rows: canonical,
    rowsAffected: typeof updated === 'number' && updated >= 0 ? updated : undefined,
  };
}

function destroy(connection: snowflake.Connection): Promise<void> {
  return new Promise((resolve) => {
    try {
      connection.destroy(() => resolve());
    } catch {
      resolve();
    }
  });
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a whole number of milliseconds ≥ 1 (given ${value})`);
  return value;
}
