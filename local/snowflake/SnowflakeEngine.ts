import { dirname, join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DdlStatements } from './DdlStatements';
import { DmlStatements } from './DmlStatements';
import type { EngineSession } from './EngineSession';
import { type EngineState, LOB_LIMIT_BYTES } from './EngineState';
import { mapDuckDbError, TIMESTAMP_NOT_RECOGNIZED } from './mapDuckDbError';
import { SessionStatements } from './SessionStatements';
import { SnowflakeCatalog } from './SnowflakeCatalog';
import { SnowflakeSqlError, sqlErrors } from './SnowflakeSqlError';
import type { BindRows, StatementResult } from './StatementResult';
import { isOp, isWord, type SqlToken, tokenizeSql } from './tokenizeSql';
import {
  identifierName,
  quoteIdentifier,
  quoteString,
  type TableReference,
  type TranslationContext,
} from './translateExpression';

// Per-connection helpers for the Snowflake functions whose DuckDB form needs more than a rename.
const MACROS = [
  `CREATE OR REPLACE TEMP MACRO sf_to_binary(v, fmt) AS CASE upper(fmt) WHEN 'HEX' THEN unhex(v)
     WHEN 'BASE64' THEN from_base64(v) ELSE encode(v) END`,
  `CREATE OR REPLACE TEMP MACRO sf_try_to_timestamp_tz(v) AS
     CASE WHEN try_cast(v AS TIMESTAMPTZ) IS NULL THEN NULL ELSE CAST(v AS VARCHAR) END`,
  `CREATE OR REPLACE TEMP MACRO sf_to_timestamp_tz(v) AS CASE WHEN v IS NULL THEN NULL
     WHEN try_cast(v AS TIMESTAMPTZ) IS NULL THEN error('${TIMESTAMP_NOT_RECOGNIZED}') ELSE CAST(v AS VARCHAR) END`,
  // With a format (given, or the session's TIMESTAMP_INPUT_FORMAT): text that does not match it is
  // refused, as Snowflake refuses it.
  `CREATE OR REPLACE TEMP MACRO sf_try_to_timestamp_tz_format(v, fmt) AS
     CAST(CAST(try_strptime(CAST(v AS VARCHAR), fmt) AS TIMESTAMPTZ) AS VARCHAR)`,
  `CREATE OR REPLACE TEMP MACRO sf_to_timestamp_tz_format(v, fmt) AS CASE WHEN v IS NULL THEN NULL
     WHEN try_strptime(CAST(v AS VARCHAR), fmt) IS NULL THEN error('${TIMESTAMP_NOT_RECOGNIZED}')
     ELSE CAST(CAST(strptime(CAST(v AS VARCHAR), fmt) AS TIMESTAMPTZ) AS VARCHAR) END`,
];

/**
 * Executes Snowflake-dialect SQL on an embedded DuckDB. Each Snowflake database is an attached
 * DuckDB database (in memory, or a file next to the main one), so three-part names work as they are.
 * Statements run one at a time, which keeps concurrent sessions free of DuckDB write conflicts.
 */
export class SnowflakeEngine implements EngineState {
  private queue: Promise<unknown> = Promise.resolve();
  readonly databases = new Set<string>();
  /** Warehouses `USE WAREHOUSE` and a login may name. */
  readonly warehouses = new Set<string>(['LOCAL_WH']);
  private readonly ddl = new DdlStatements(this);
  private readonly dml = new DmlStatements(this);
  private readonly sessions = new SessionStatements(this);

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly meta: DuckDBConnection,
    readonly catalog: SnowflakeCatalog,
    readonly mainDatabase: string,
    private readonly dbPath: string | undefined,
  ) {}

  /** Opens DuckDB (a file, or memory) and re-attaches the databases a file-backed endpoint created before. */
  static async open(dbPath?: string): Promise<SnowflakeEngine> {
    const instance = await DuckDBInstance.create(dbPath ?? ':memory:');
    const meta = await instance.connect();
    const main = String((await meta.runAndReadAll('SELECT current_database()')).getRowsJson()[0]?.[0]);
    const catalog = await SnowflakeCatalog.open(meta, main);
    await meta.run(
      `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(main)}.sf_meta.databases (NAME VARCHAR PRIMARY KEY)`,
    );
    const engine = new SnowflakeEngine(instance, meta, catalog, main, dbPath);
    const known = await meta.runAndReadAll(`SELECT NAME FROM ${quoteIdentifier(main)}.sf_meta.databases`);
    for (const [name] of known.getRowsJson()) await engine.attach(String(name));
    return engine;
  }

  /** A new session with the account's parameters (names upper-case) and a warehouse, if any. */
  async openSession(
    defaults: {
      parameters?: Readonly<Record<string, string>>;
      warehouse?: string;
      user?: string;
      role?: string;
    } = {},
  ): Promise<EngineSession> {
    const connection = await this.instance.connect();
    for (const macro of MACROS) await connection.run(macro);
    const session: EngineSession = {
      connection,
      database: undefined,
      schema: undefined,
      inTransaction: false,
      warehouse: defaults.warehouse,
      parameters: new Map([['TIMEZONE', 'UTC']]),
      user: defaults.user,
      role: defaults.role ?? 'PUBLIC',
    };
    for (const [name, value] of Object.entries(defaults.parameters ?? {}))
      await this.sessions.setParameter(session, name.toUpperCase(), value);
    await this.sessions.setParameter(session, 'TIMEZONE', session.parameters.get('TIMEZONE') ?? 'UTC');
    return session;
  }

  closeSession(session: EngineSession): void {
    session.connection.closeSync();
  }

  /** Makes a database (and schema) current if they exist; used for the login's database/schema. */
  async useIfExists(session: EngineSession, database?: string, schema?: string): Promise<void> {
    if (!database) return;
    const name = database.startsWith('"') ? database.slice(1, -1) : database.toUpperCase();
    if (!this.databases.has(name)) return;
    const schemaName = schema
      ? schema.startsWith('"')
        ? schema.slice(1, -1)
        : schema.toUpperCase()
      : 'PUBLIC';
    await this.serialised(() => this.use(session, name, schemaName, true));
  }

  /** Runs one statement with its binds. Errors are {@link SnowflakeSqlError}s. */
  execute(session: EngineSession, sqlText: string, binds: BindRows): Promise<StatementResult> {
    return this.serialised(async () => {
      try {
        return await this.dispatch(session, sqlText, binds);
      } catch (error) {
        throw mapDuckDbError(error);
      }
    });
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.meta.closeSync();
    this.instance.closeSync();
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async dispatch(session: EngineSession, sqlText: string, binds: BindRows): Promise<StatementResult> {
    if (Buffer.byteLength(sqlText, 'utf8') > LOB_LIMIT_BYTES) throw sqlErrors.statementTooLarge();
    for (const row of binds)
      for (const value of row)
        if (
          value !== null &&
          value.length * 3 > LOB_LIMIT_BYTES &&
          Buffer.byteLength(value, 'utf8') > LOB_LIMIT_BYTES
        )
          throw sqlErrors.lobTooLarge();
    const tokens = tokenizeSql(sqlText);
    while (isOp(tokens.at(-1), ';')) tokens.pop();
    if (tokens.length === 0) throw sqlErrors.syntax('empty SQL statement');
    const first = tokens[0]?.text.toUpperCase();
    switch (first) {
      case 'CREATE':
        return this.ddl.create(session, tokens);
      case 'DROP':
        return this.ddl.drop(session, tokens);
      case 'ALTER':
        return isWord(tokens[1], 'SESSION')
          ? this.sessions.alterSession(session, tokens)
          : this.ddl.alter(session, tokens);
      case 'TRUNCATE':
        return this.ddl.truncate(session, tokens);
      case 'USE':
        return this.sessions.useStatement(session, tokens);
      case 'BEGIN':
      case 'START':
      case 'COMMIT':
      case 'ROLLBACK':
        return this.sessions.transaction(session, first);
      case 'SELECT':
      case 'WITH':
      case 'INSERT':
      case 'UPDATE':
      case 'DELETE':
      case 'MERGE':
        return this.dml.execute(session, tokens, binds);
      case 'SHOW':
      case 'DESCRIBE':
      case 'DESC':
      case 'GRANT':
      case 'REVOKE':
      case 'PUT':
      case 'COPY':
        throw sqlErrors.unsupported(`${first} statements`);
      default:
        throw sqlErrors.syntax(`line 1 at position 0 unexpected '${tokens[0]?.text ?? ''}'.`);
    }
  }

  // ---- names -------------------------------------------------------------------------------

  readName(tokens: readonly SqlToken[], start: number): { parts: string[]; next: number } {
    const parts: string[] = [];
    let i = start;
    for (;;) {
      const token = tokens[i];
      if (!token || (token.type !== 'word' && token.type !== 'quoted'))
        throw sqlErrors.syntax('expected a name');
      parts.push(identifierName(token));
      i++;
      if (!isOp(tokens[i], '.')) break;
      i++;
    }
    return { parts, next: i };
  }

  resolveTable(session: EngineSession, parts: TableReference): [string, string, string] {
    const [a, b, c] = parts;
    if (parts.length === 3 && a && b && c) return [a, b, c];
    if (parts.length === 2 && a && b) return [this.requireDatabase(session), a, b];
    if (parts.length === 1 && a) return [this.requireDatabase(session), this.requireSchema(session), a];
    throw sqlErrors.syntax('invalid object name');
  }

  requireDatabase(session: EngineSession): string {
    if (!session.database) {
      throw new SnowflakeSqlError(
        '090105',
        '22000',
        "Cannot perform operation. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.",
      );
    }
    return session.database;
  }

  private requireSchema(session: EngineSession): string {
    if (!session.schema) {
      throw new SnowflakeSqlError(
        '090106',
        '22000',
        "Cannot perform operation. This session does not have a current schema. Call 'USE SCHEMA', or use a qualified name.",
      );
    }
    return session.schema;
  }

  tableSql([database, schema, table]: readonly string[]): string {
    return [database, schema, table].map((p) => quoteIdentifier(p ?? '')).join('.');
  }

  context(session: EngineSession): TranslationContext {
    return {
      currentDatabase: session.database,
      informationSchema: (database, view) =>
        this.databases.has(database) ? this.catalog.informationSchema(database, view) : undefined,
      isStoredName: (name) => this.catalog.isStoredName(name),
      isZonedColumn: (name) => this.catalog.isZonedColumn(name),
      timestampInputFormat: session.parameters.get('TIMESTAMP_INPUT_FORMAT'),
      currentUser: session.user,
      currentRole: session.role,
    };
  }

  // ---- DDL ---------------------------------------------------------------------------------

  async attach(name: string): Promise<void> {
    const path = this.dbPath
      ? join(dirname(this.dbPath), `${baseName(this.dbPath)}.${safeFileName(name)}.duckdb`)
      : ':memory:';
    await this.meta.run(`ATTACH IF NOT EXISTS ${quoteString(path)} AS ${quoteIdentifier(name)}`);
    await this.meta.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(name)}."PUBLIC"`);
    this.databases.add(name);
  }

  async schemaExists(database: string, schema: string): Promise<boolean> {
    const reader = await this.meta.runAndReadAll(
      'SELECT 1 FROM duckdb_schemas() WHERE database_name = $1 AND schema_name = $2',
      [database, schema],
    );
    return reader.currentRowCount > 0;
  }

  async use(
    session: EngineSession,
    database: string,
    schema: string | undefined,
    quiet: boolean,
  ): Promise<void> {
    try {
      const target = schema
        ? `${quoteIdentifier(database)}.${quoteIdentifier(schema)}`
        : quoteIdentifier(database);
      await session.connection.run(`USE ${target}`);
      session.database = database;
      session.schema = schema;
    } catch (error) {
      if (!quiet) throw error;
    }
  }
}

function baseName(path: string): string {
  const file = path.split(/[\\/]/).pop() ?? 'snowflake';
  return file.replace(/\.[^.]*$/, '');
}

function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
}
