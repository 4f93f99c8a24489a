import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import snowflake from 'snowflake-sdk';
import type { CanonicalRow } from '../canonical/CanonicalValue';
import { ConfigError, InvalidArgumentError } from '../errors/errors';
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

/**
 * Types the driver hands over as text. OBJECT and ARRAY are their own native types in the driver
 * (`MAP_SQL_TO_NATIVE` in `lib/connection/result/data_types.js`) and would otherwise be read with
 * `JSON.parse`, rounding integers above 2^53; as text they are parsed losslessly, like VARIANT.
 * https://github.com/snowflakedb/snowflake-connector-nodejs/blob/master/lib/connection/result/data_types.js
 */
export const FETCH_AS_STRING = [
  'Number',
  'JSON',
  'Object',
  'Array',
  'Map',
] as unknown as snowflake.DataType[];

/** The session's default QUERY_TAG; statements inside {@link SnowflakeDatabase.withQueryTag} carry their own. */
export const SESSION_QUERY_TAG = 'dsr-bridge';

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
  private readonly queryTags = new AsyncLocalStorage<string>();

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

  /**
   * Runs `work` with every statement it sends tagged `tag` (`QUERY_TAG`, as a statement
   * parameter), so operators find the pipeline's queries in `QUERY_HISTORY`. Build the tag with
   * {@link snowflakeQueryTag}: it must never hold an identifier.
   * https://docs.snowflake.com/en/sql-reference/parameters#query-tag
   */
  withQueryTag<T>(tag: string, work: () => Promise<T>): Promise<T> {
    if (tag.length > 2000) throw new InvalidArgumentError('a QUERY_TAG holds at most 2000 characters');
    return this.queryTags.run(tag, work);
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
    tagged = true,
  ): Promise<SnowflakeResult> {
    const tag = tagged ? this.queryTags.getStore() : undefined;
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
          ...(tag ? { parameters: { QUERY_TAG: tag } } : {}),
          fetchAsString: FETCH_AS_STRING,
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
      // Without useConnectionConfigProxyForOCSP the driver's OCSP requests go direct, which in a
      // network whose only way out is the proxy makes a fail-closed login impossible.
      // (lib/agent/https_proxy_agent.js: `isProxyRequiredForOCSP = this.useForOCSP && …`)
      ...(o.proxy
        ? { proxyHost: o.proxy.host, proxyPort: o.proxy.port, useConnectionConfigProxyForOCSP: true }
        : {}),
      timeout: this.networkTimeoutMs,
      sfRetryMaxLoginRetries: o.maxLoginRetries ?? 3,
      fetchAsString: FETCH_AS_STRING,
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
    // Server-side limits for the session: a statement the client gave up on does not run on in the
    // warehouse, and the pipeline's queries are found by their tag in QUERY_HISTORY.
    // https://docs.snowflake.com/en/sql-reference/parameters#statement-timeout-in-seconds
    try {
      await this.executeOnce(connection, sessionSettingsSql(this.statementTimeoutMs), undefined, false);
    } catch (error) {
      void destroy(connection);
      throw classifySnowflakeError(error);
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

/**
 * `ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = n, QUERY_TAG = 'dsr-bridge'`: the server stops a
 * statement once the client's own deadline has passed (rounded up to whole seconds).
 */
export function sessionSettingsSql(statementTimeoutMs: number): string {
  return (
    `ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = ${Math.ceil(statementTimeoutMs / 1000)}, ` +
    `QUERY_TAG = '${SESSION_QUERY_TAG}'`
  );
}

/**
 * A QUERY_TAG naming the pipeline, the stage and a hash of the request id, e.g.
 * `dsr-bridge:load:3f2a…` (16 hex digits). Never an identifier of the subject.
 */
export function snowflakeQueryTag(stage: string, requestId: string): string {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(stage))
    throw new InvalidArgumentError('stage must be a lower-case name such as load');
  return `${SESSION_QUERY_TAG}:${stage}:${createHash('sha256').update(requestId).digest('hex').slice(0, 16)}`;
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
    throw new InvalidArgumentError(`${name} must be a whole number of milliseconds ≥ 1 (given ${value})`);
  return value;
}
