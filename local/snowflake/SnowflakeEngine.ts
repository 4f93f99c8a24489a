import { dirname, join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { fromDuckDbType, refineWithDeclared, textColumn } from './describeResultColumns';
import { type EngineSession, SESSION_PARAMETERS } from './EngineSession';
import { mapDuckDbError, TIMESTAMP_NOT_RECOGNIZED } from './mapDuckDbError';
import { type DeclaredColumn, SnowflakeCatalog } from './SnowflakeCatalog';
import { SnowflakeSqlError, sqlErrors } from './SnowflakeSqlError';
import { readSnowflakeType } from './SnowflakeType';
import {
  type BindRows,
  dmlResult,
  STATEMENT_TYPE,
  type StatementResult,
  statusResult,
} from './StatementResult';
import { type StatementKind, statementKind } from './statementKind';
import { isOp, isWord, type SqlToken, tokenizeSql } from './tokenizeSql';
import {
  ExpressionTranslator,
  identifierName,
  matchingParen,
  quoteIdentifier,
  quoteString,
  splitTopLevel,
  type TableReference,
  type TranslationContext,
} from './translateExpression';

/** The largest bound value, VARIANT value and statement text: 16 MB. */
export const LOB_LIMIT_BYTES = 16 * 1024 * 1024;

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

const TRUNCATABLE_OPTIONS = new Set(['CASCADE', 'RESTRICT']);

/**
 * Executes Snowflake-dialect SQL on an embedded DuckDB. Each Snowflake database is an attached
 * DuckDB database (in memory, or a file next to the main one), so three-part names work as they are.
 * Statements run one at a time, which keeps concurrent sessions free of DuckDB write conflicts.
 */
export class SnowflakeEngine {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly databases = new Set<string>();
  /** Warehouses `USE WAREHOUSE` and a login may name. */
  readonly warehouses = new Set<string>(['LOCAL_WH']);

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly meta: DuckDBConnection,
    private readonly catalog: SnowflakeCatalog,
    private readonly mainDatabase: string,
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
      await this.setParameter(session, name.toUpperCase(), value);
    await this.setParameter(session, 'TIMEZONE', session.parameters.get('TIMEZONE') ?? 'UTC');
    return session;
  }

  private async setParameter(session: EngineSession, name: string, value: string): Promise<void> {
    if (!SESSION_PARAMETERS.has(name)) throw sqlErrors.invalidParameter(name);
    if (name === 'TIMEZONE') {
      try {
        await session.connection.run(`SET TimeZone = ${quoteString(value)}`);
      } catch {
        throw sqlErrors.invalidParameterValue(name);
      }
    }
    session.parameters.set(name, value);
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
        return this.create(session, tokens);
      case 'DROP':
        return this.drop(session, tokens);
      case 'ALTER':
        return this.alter(session, tokens);
      case 'TRUNCATE':
        return this.truncate(session, tokens);
      case 'USE':
        return this.useStatement(session, tokens);
      case 'BEGIN':
      case 'START':
      case 'COMMIT':
      case 'ROLLBACK':
        return this.transaction(session, first);
      case 'SELECT':
      case 'WITH':
      case 'INSERT':
      case 'UPDATE':
      case 'DELETE':
      case 'MERGE':
        return this.dml(session, tokens, binds);
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

  private readName(tokens: readonly SqlToken[], start: number): { parts: string[]; next: number } {
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

  private resolveTable(session: EngineSession, parts: TableReference): [string, string, string] {
    const [a, b, c] = parts;
    if (parts.length === 3 && a && b && c) return [a, b, c];
    if (parts.length === 2 && a && b) return [this.requireDatabase(session), a, b];
    if (parts.length === 1 && a) return [this.requireDatabase(session), this.requireSchema(session), a];
    throw sqlErrors.syntax('invalid object name');
  }

  private requireDatabase(session: EngineSession): string {
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

  private tableSql([database, schema, table]: readonly string[]): string {
    return [database, schema, table].map((p) => quoteIdentifier(p ?? '')).join('.');
  }

  private context(session: EngineSession): TranslationContext {
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

  private async attach(name: string): Promise<void> {
    const path = this.dbPath
      ? join(dirname(this.dbPath), `${baseName(this.dbPath)}.${safeFileName(name)}.duckdb`)
      : ':memory:';
    await this.meta.run(`ATTACH IF NOT EXISTS ${quoteString(path)} AS ${quoteIdentifier(name)}`);
    await this.meta.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(name)}."PUBLIC"`);
    this.databases.add(name);
  }

  private async create(session: EngineSession, tokens: readonly SqlToken[]): Promise<StatementResult> {
    let i = 1;
    let orReplace = false;
    if (isWord(tokens[i], 'OR') && isWord(tokens[i + 1], 'REPLACE')) {
      orReplace = true;
      i += 2;
    }
    while (isWord(tokens[i], 'TRANSIENT', 'TEMPORARY', 'TEMP', 'VOLATILE', 'LOCAL', 'GLOBAL')) i++;
    const objectType = tokens[i]?.text.toUpperCase();
    i++;
    let ifNotExists = false;
    if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'NOT') && isWord(tokens[i + 2], 'EXISTS')) {
      ifNotExists = true;
      i += 3;
    }
    const { parts, next } = this.readName(tokens, i);
    switch (objectType) {
      case 'DATABASE': {
        const name = parts.join('.');
        const exists = this.databases.has(name);
        if (exists && !orReplace) {
          if (!ifNotExists) throw sqlErrors.alreadyExists(name);
          return statusResult('ddl', `${name} already exists, statement succeeded.`);
        }
        if (exists) await this.dropDatabase(name);
        await this.attach(name);
        await this.meta.run(
          `INSERT INTO ${quoteIdentifier(this.mainDatabase)}.sf_meta.databases VALUES ($1) ON CONFLICT DO NOTHING`,
          [name],
        );
        await this.use(session, name, 'PUBLIC', false);
        return statusResult('ddl', `Database ${name} successfully created.`);
      }
      case 'SCHEMA': {
        const [database, schema] =
          parts.length === 2
            ? [parts[0] ?? '', parts[1] ?? '']
            : [this.requireDatabase(session), parts[0] ?? ''];
        if (!this.databases.has(database)) throw sqlErrors.objectMissing(database);
        const target = `${quoteIdentifier(database)}.${quoteIdentifier(schema)}`;
        const exists = await this.schemaExists(database, schema);
        if (exists && !orReplace) {
          if (!ifNotExists) throw sqlErrors.alreadyExists(schema);
          return statusResult('ddl', `${schema} already exists, statement succeeded.`);
        }
        if (exists) {
          await this.meta.run(`DROP SCHEMA ${target} CASCADE`);
          await this.catalog.dropContainer(database, schema);
        }
        await this.meta.run(`CREATE SCHEMA ${target}`);
        await this.use(session, database, schema, false);
        return statusResult('ddl', `Schema ${schema} successfully created.`);
      }
      case 'TABLE':
        return this.createTable(session, tokens, parts, next, orReplace, ifNotExists);
      default:
        throw sqlErrors.unsupported(`CREATE ${objectType}`);
    }
  }

  private async schemaExists(database: string, schema: string): Promise<boolean> {
    const reader = await this.meta.runAndReadAll(
      'SELECT 1 FROM duckdb_schemas() WHERE database_name = $1 AND schema_name = $2',
      [database, schema],
    );
    return reader.currentRowCount > 0;
  }

  private async tableExists([database, schema, table]: readonly string[]): Promise<boolean> {
    const reader = await this.meta.runAndReadAll(
      'SELECT 1 FROM duckdb_tables() WHERE database_name = $1 AND schema_name = $2 AND table_name = $3',
      [database ?? '', schema ?? '', table ?? ''],
    );
    return reader.currentRowCount > 0;
  }

  private async createTable(
    session: EngineSession,
    tokens: readonly SqlToken[],
    parts: TableReference,
    next: number,
    orReplace: boolean,
    ifNotExists: boolean,
  ): Promise<StatementResult> {
    const name = this.resolveTable(session, parts);
    const [database, schema, table] = name;
    if (!this.databases.has(database)) throw sqlErrors.objectMissing(database);
    if (!(await this.schemaExists(database, schema))) throw sqlErrors.schemaMissing(`${database}.${schema}`);
    if (!isOp(tokens[next], '(')) throw sqlErrors.unsupported('CREATE TABLE without a column list');
    const close = matchingParen(tokens, next);
    const declared: DeclaredColumn[] = [];
    const definitions: string[] = [];
    for (const [from, to] of splitTopLevel(tokens, next + 1, close)) {
      const column = this.columnDefinition(session, tokens, from, to);
      if (!column) continue;
      declared.push(column.declared);
      definitions.push(column.sql);
    }
    const exists = await this.tableExists(name);
    if (exists && !orReplace) {
      if (!ifNotExists) throw sqlErrors.alreadyExists(table);
      return statusResult('ddl', `${table} already exists, statement succeeded.`);
    }
    await session.connection.run(
      `CREATE ${orReplace ? 'OR REPLACE ' : ''}TABLE ${this.tableSql(name)} (${definitions.join(', ')})`,
    );
    await this.catalog.setTable(database, schema, table, declared);
    return statusResult('ddl', `Table ${table} successfully created.`);
  }

  /** One element of a column list; undefined for a table constraint (Snowflake does not enforce them). */
  private columnDefinition(
    session: EngineSession,
    tokens: readonly SqlToken[],
    from: number,
    to: number,
  ): { declared: DeclaredColumn; sql: string } | undefined {
    const first = tokens[from];
    if (!first) return undefined;
    if (
      first.type === 'word' &&
      ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'FOREIGN', 'CHECK'].includes(first.text.toUpperCase())
    ) {
      return undefined;
    }
    const name = identifierName(first);
    const { type, next } = readSnowflakeType(tokens, from + 1);
    let nullable = true;
    let defaultSql: string | undefined;
    let i = next;
    while (i < to) {
      const token = tokens[i];
      if (isWord(token, 'NOT') && isWord(tokens[i + 1], 'NULL')) {
        nullable = false;
        i += 2;
      } else if (isWord(token, 'DEFAULT')) {
        let end = i + 1;
        let depth = 0;
        while (end < to) {
          const t = tokens[end];
          if (isOp(t, '(')) depth++;
          else if (isOp(t, ')')) depth--;
          else if (
            depth === 0 &&
            isWord(t, 'NOT', 'NULL', 'PRIMARY', 'UNIQUE', 'REFERENCES', 'COMMENT', 'COLLATE', 'CONSTRAINT')
          )
            break;
          end++;
        }
        const translated = new ExpressionTranslator(
          tokens.slice(i + 1, end),
          this.context(session),
        ).translateAll();
        defaultSql = translated.sql;
        i = end;
      } else if (isWord(token, 'AUTOINCREMENT', 'IDENTITY')) {
        throw sqlErrors.unsupported('AUTOINCREMENT columns');
      } else if (isWord(token, 'COMMENT', 'COLLATE') && tokens[i + 1]?.type === 'string') {
        i += 2;
      } else if (
        isWord(token, 'PRIMARY', 'UNIQUE', 'KEY', 'NULL', 'CONSTRAINT', 'ENFORCED', 'NOT', 'RELY', 'NORELY')
      ) {
        i++;
      } else if (isWord(token, 'REFERENCES')) {
        i += 2;
        while (i < to && !isOp(tokens[i], '(')) i++;
        if (isOp(tokens[i], '(')) i = matchingParen(tokens, i) + 1;
      } else {
        i++;
      }
    }
    const parts = [quoteIdentifier(name), type.duckType];
    if (defaultSql !== undefined) parts.push(`DEFAULT CAST((${defaultSql}) AS ${type.duckType})`);
    if (!nullable) parts.push('NOT NULL');
    return { declared: { name, type, nullable }, sql: parts.join(' ') };
  }

  private async drop(session: EngineSession, tokens: readonly SqlToken[]): Promise<StatementResult> {
    const objectType = tokens[1]?.text.toUpperCase();
    let i = 2;
    let ifExists = false;
    if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'EXISTS')) {
      ifExists = true;
      i += 2;
    }
    const { parts } = this.readName(tokens, i);
    switch (objectType) {
      case 'TABLE': {
        const name = this.resolveTable(session, parts);
        if (!(await this.tableExists(name))) {
          if (ifExists)
            return statusResult('ddl', 'Drop statement executed successfully (table already dropped).');
          throw sqlErrors.objectMissing(name.join('.'));
        }
        await session.connection.run(`DROP TABLE ${this.tableSql(name)}`);
        await this.catalog.dropTable(...name);
        return statusResult('ddl', `${name[2]} successfully dropped.`);
      }
      case 'SCHEMA': {
        const [database, schema] =
          parts.length === 2
            ? [parts[0] ?? '', parts[1] ?? '']
            : [this.requireDatabase(session), parts[0] ?? ''];
        if (!this.databases.has(database) || !(await this.schemaExists(database, schema))) {
          if (ifExists)
            return statusResult('ddl', 'Drop statement executed successfully (schema already dropped).');
          throw sqlErrors.schemaMissing(`${database}.${schema}`);
        }
        await this.meta.run(`DROP SCHEMA ${quoteIdentifier(database)}.${quoteIdentifier(schema)} CASCADE`);
        await this.catalog.dropContainer(database, schema);
        if (session.database === database && session.schema === schema) session.schema = undefined;
        return statusResult('ddl', `${schema} successfully dropped.`);
      }
      case 'DATABASE': {
        const name = parts.join('.');
        if (!this.databases.has(name)) {
          if (ifExists)
            return statusResult('ddl', 'Drop statement executed successfully (database already dropped).');
          throw sqlErrors.objectMissing(name);
        }
        if (session.database === name) {
          await session.connection.run(`USE ${quoteIdentifier(this.mainDatabase)}`);
          session.database = undefined;
          session.schema = undefined;
        }
        await this.dropDatabase(name);
        return statusResult('ddl', `${name} successfully dropped.`);
      }
      default:
        throw sqlErrors.unsupported(`DROP ${objectType}`);
    }
  }

  private async dropDatabase(name: string): Promise<void> {
    await this.meta.run(`DETACH DATABASE IF EXISTS ${quoteIdentifier(name)}`);
    await this.meta.run(
      `DELETE FROM ${quoteIdentifier(this.mainDatabase)}.sf_meta.databases WHERE NAME = $1`,
      [name],
    );
    await this.catalog.dropContainer(name);
    this.databases.delete(name);
  }

  /** `ALTER SESSION SET p = v [, …]` / `ALTER SESSION UNSET p [, …]`: unknown names are refused. */
  private async alterSession(session: EngineSession, tokens: readonly SqlToken[]): Promise<StatementResult> {
    const verb = tokens[2]?.text.toUpperCase();
    if (verb !== 'SET' && verb !== 'UNSET')
      throw sqlErrors.syntax(`line 1 unexpected '${tokens[2]?.text ?? ''}'.`);
    for (const [from, to] of splitTopLevel(tokens, 3, tokens.length)) {
      const name = tokens[from]?.text.toUpperCase() ?? '';
      if (verb === 'UNSET') {
        if (!SESSION_PARAMETERS.has(name)) throw sqlErrors.invalidParameter(name);
        if (name === 'TIMEZONE') await this.setParameter(session, name, 'UTC');
        else session.parameters.delete(name);
        continue;
      }
      const value = tokens[from + 2];
      if (!isOp(tokens[from + 1], '=') || !value || to !== from + 3) throw sqlErrors.syntax(`near '${name}'`);
      await this.setParameter(session, name, value.text);
    }
    return statusResult('session', 'Statement executed successfully.');
  }

  private async alter(session: EngineSession, tokens: readonly SqlToken[]): Promise<StatementResult> {
    if (isWord(tokens[1], 'SESSION')) return this.alterSession(session, tokens);
    if (!isWord(tokens[1], 'TABLE')) throw sqlErrors.unsupported(`ALTER ${tokens[1]?.text ?? ''}`);
    let i = 2;
    if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'EXISTS')) i += 2;
    const { parts, next } = this.readName(tokens, i);
    const name = this.resolveTable(session, parts);
    if (!(await this.tableExists(name))) throw sqlErrors.objectMissing(name.join('.'));
    const target = this.tableSql(name);
    i = next;
    const action = tokens[i]?.text.toUpperCase();
    i++;
    if (isWord(tokens[i], 'COLUMN')) i++;
    const declared = this.catalog.columns(...name) ?? [];
    if (action === 'ADD') {
      let ifNotExists = false;
      if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'NOT') && isWord(tokens[i + 2], 'EXISTS')) {
        ifNotExists = true;
        i += 3;
      }
      for (const [from, to] of splitTopLevel(tokens, i, tokens.length)) {
        const column = this.columnDefinition(session, tokens, from, to);
        if (!column) continue;
        if (declared.some((c) => c.name === column.declared.name)) {
          if (ifNotExists) continue;
          throw sqlErrors.alreadyExists(column.declared.name);
        }
        await session.connection.run(`ALTER TABLE ${target} ADD COLUMN ${column.sql}`);
        await this.catalog.addColumn(...name, column.declared);
      }
    } else if (action === 'DROP') {
      let ifExists = false;
      if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'EXISTS')) {
        ifExists = true;
        i += 2;
      }
      for (const [from] of splitTopLevel(tokens, i, tokens.length)) {
        const column = identifierName(tokens[from] as SqlToken);
        if (!declared.some((c) => c.name === column)) {
          if (ifExists) continue;
          throw sqlErrors.invalidIdentifier(column);
        }
        await session.connection.run(`ALTER TABLE ${target} DROP COLUMN ${quoteIdentifier(column)}`);
        await this.catalog.dropColumn(...name, column);
      }
    } else if (action === 'RENAME' && isWord(tokens[i - 1], 'COLUMN')) {
      const from = identifierName(tokens[i] as SqlToken);
      const to = identifierName(tokens[i + 2] as SqlToken);
      await session.connection.run(
        `ALTER TABLE ${target} RENAME COLUMN ${quoteIdentifier(from)} TO ${quoteIdentifier(to)}`,
      );
      await this.catalog.renameColumn(...name, from, to);
    } else {
      throw sqlErrors.unsupported(`ALTER TABLE ${action}`);
    }
    return statusResult('ddl', 'Statement executed successfully.');
  }

  private async truncate(session: EngineSession, tokens: readonly SqlToken[]): Promise<StatementResult> {
    let i = 1;
    if (isWord(tokens[i], 'TABLE')) i++;
    let ifExists = false;
    if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'EXISTS')) {
      ifExists = true;
      i += 2;
    }
    const { parts, next } = this.readName(tokens, i);
    if (tokens[next] && !isWord(tokens[next], ...TRUNCATABLE_OPTIONS))
      throw sqlErrors.syntax('after TRUNCATE');
    const name = this.resolveTable(session, parts);
    if (!(await this.tableExists(name))) {
      if (ifExists) return statusResult('ddl', 'Statement executed successfully.');
      throw sqlErrors.objectMissing(name.join('.'));
    }
    await session.connection.run(`DELETE FROM ${this.tableSql(name)}`);
    return statusResult('ddl', 'Statement executed successfully.');
  }

  private async useStatement(session: EngineSession, tokens: readonly SqlToken[]): Promise<StatementResult> {
    let i = 1;
    let kind = 'AUTO';
    if (isWord(tokens[i], 'WAREHOUSE')) {
      const name = tokens[i + 1] ? identifierName(tokens[i + 1] as SqlToken) : '';
      if (!this.warehouses.has(name)) throw sqlErrors.doesNotExist();
      session.warehouse = name;
      return statusResult('session', 'Statement executed successfully.');
    }
    // The endpoint models no grants: USE ROLE takes any name (Snowflake refuses a role not granted).
    if (isWord(tokens[i], 'ROLE')) {
      if (tokens[i + 1]) session.role = identifierName(tokens[i + 1] as SqlToken);
      return statusResult('session', 'Statement executed successfully.');
    }
    if (isWord(tokens[i], 'SECONDARY')) return statusResult('session', 'Statement executed successfully.');
    if (isWord(tokens[i], 'DATABASE', 'SCHEMA')) {
      kind = (tokens[i] as SqlToken).text.toUpperCase();
      i++;
    }
    const { parts } = this.readName(tokens, i);
    if (kind === 'DATABASE' || (kind === 'AUTO' && parts.length === 1)) {
      const database = parts[0] ?? '';
      if (!this.databases.has(database)) throw sqlErrors.objectMissing(database);
      const hasPublic = await this.schemaExists(database, 'PUBLIC');
      await this.use(session, database, hasPublic ? 'PUBLIC' : undefined, false);
    } else {
      const [database, schema] =
        parts.length === 2
          ? [parts[0] ?? '', parts[1] ?? '']
          : [this.requireDatabase(session), parts[0] ?? ''];
      if (!this.databases.has(database) || !(await this.schemaExists(database, schema))) {
        throw sqlErrors.schemaMissing(`${database}.${schema}`);
      }
      await this.use(session, database, schema, false);
    }
    return statusResult('session', 'Statement executed successfully.');
  }

  private async use(
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

  private async transaction(session: EngineSession, word: string): Promise<StatementResult> {
    if (word === 'BEGIN' || word === 'START') {
      if (!session.inTransaction) await session.connection.run('BEGIN TRANSACTION');
      session.inTransaction = true;
    } else if (session.inTransaction) {
      await session.connection.run(word);
      session.inTransaction = false;
    }
    return statusResult('transaction', 'Statement executed successfully.');
  }

  // ---- queries and DML ---------------------------------------------------------------------

  private async dml(
    session: EngineSession,
    tokens: readonly SqlToken[],
    binds: BindRows,
  ): Promise<StatementResult> {
    const kind = statementKind(tokens);
    // Queries and DML run on a warehouse. https://docs.snowflake.com/en/user-guide/warehouses-overview
    if (!session.warehouse) throw sqlErrors.noWarehouse();
    const translation = new ExpressionTranslator(tokens, this.context(session)).translateAll();
    this.requireExactNames(session, tokens, translation.tables);
    const width = binds[0]?.length ?? 0;
    if (translation.parameterCount > width) throw sqlErrors.bindCount(translation.parameterCount, width);
    const rows = binds.length === 0 ? [[]] : binds;
    const toValues = (row: readonly (string | null)[]): DuckDBValue[] =>
      row.slice(0, translation.parameterCount) as DuckDBValue[];
    const target =
      kind === 'insert' || kind === 'merge' || kind === 'update'
        ? this.tryResolve(session, translation.tables[0])
        : undefined;
    const checks = target ? this.checks(target) : undefined;
    const wrap =
      !session.inTransaction &&
      kind !== 'select' &&
      (rows.length > 1 || checks !== undefined || kind === 'merge');
    const connection = session.connection;
    if (wrap) await connection.run('BEGIN TRANSACTION');
    try {
      if (kind === 'select') {
        const reader = await connection.runAndReadAll(translation.sql, toValues(rows[0] ?? []));
        const quoted = new Set(tokens.filter((t) => t.type === 'quoted').map((t) => t.text));
        const declared = this.declaredByName(session, translation.tables);
        const columns = reader.columnNames().map((name, index) => {
          const keep = quoted.has(name) || declared.has(name);
          const shown = keep ? name : name === 'count_star()' ? 'COUNT(*)' : name.toUpperCase();
          const type = reader.columnTypes()[index];
          const base = type ? fromDuckDbType(shown, type) : textColumn(shown);
          return refineWithDeclared(base, declared.get(name));
        });
        return { kind, statementTypeId: STATEMENT_TYPE.select, columns, rows: reader.getRows() };
      }
      const before = kind === 'merge' && target ? await this.count(connection, target) : 0;
      const since =
        checks && target && addsOnly(kind, tokens) ? await this.lastRowId(connection, target) : undefined;
      let changed = 0;
      if (rows.length === 1) {
        const result = await connection.run(translation.sql, toValues(rows[0] ?? []));
        changed = result.rowsChanged;
      } else {
        const prepared = await connection.prepare(translation.sql);
        for (const row of rows) {
          prepared.bind(toValues(row));
          changed += (await prepared.run()).rowsChanged;
        }
        prepared.destroySync();
      }
      if (checks) await this.enforce(connection, checks, since);
      const after = kind === 'merge' && target ? await this.count(connection, target) : 0;
      if (wrap) await connection.run('COMMIT');
      return dmlResult(kind, tokens, changed, after - before);
    } catch (error) {
      if (wrap) await connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /**
   * DuckDB resolves names case-insensitively; Snowflake does not for quoted identifiers: a table
   * or column that exists only in another case is refused as Snowflake refuses it.
   * https://docs.snowflake.com/en/sql-reference/identifiers-syntax#double-quoted-identifiers
   */
  private requireExactNames(
    session: EngineSession,
    tokens: readonly SqlToken[],
    tables: readonly TableReference[],
  ): void {
    for (const parts of tables) {
      const name = this.tryResolve(session, parts);
      if (name && (this.catalog.hasTableDifferingOnlyInCase(...name) || this.databaseDiffersInCase(name[0])))
        throw sqlErrors.objectMissing(name.join('.'));
    }
    const columns = new Set<string>();
    for (const parts of tables) {
      const name = this.tryResolve(session, parts);
      for (const c of (name && this.catalog.columns(...name)) || []) columns.add(c.name);
    }
    const upper = new Map([...columns].map((c) => [c.toUpperCase(), c]));
    tokens.forEach((token, i) => {
      if (token.type !== 'quoted' || isOp(tokens[i - 1], ':') || columns.has(token.text)) return;
      if (isWord(tokens[i - 1], 'AS')) return;
      if (
        upper.has(token.text.toUpperCase()) &&
        !tokens.some((t, j) => isWord(tokens[j - 1], 'AS') && t.type === 'quoted' && t.text === token.text)
      )
        throw sqlErrors.invalidIdentifier(`"${token.text}"`);
    });
  }

  private databaseDiffersInCase(database: string): boolean {
    if (this.databases.has(database)) return false;
    return [...this.databases].some((d) => d.toUpperCase() === database.toUpperCase());
  }

  private tryResolve(
    session: EngineSession,
    parts: TableReference | undefined,
  ): [string, string, string] | undefined {
    if (!parts) return undefined;
    try {
      return this.resolveTable(session, parts);
    } catch {
      return undefined;
    }
  }

  private declaredByName(
    session: EngineSession,
    tables: readonly TableReference[],
  ): Map<string, DeclaredColumn> {
    const byName = new Map<string, DeclaredColumn>();
    const ambiguous = new Set<string>();
    for (const parts of tables) {
      const name = this.tryResolve(session, parts);
      for (const column of (name && this.catalog.columns(...name)) || []) {
        const seen = byName.get(column.name);
        if (seen && JSON.stringify(seen.type) !== JSON.stringify(column.type)) ambiguous.add(column.name);
        byName.set(column.name, column);
      }
    }
    for (const name of ambiguous) byName.delete(name);
    return byName;
  }

  /** SQL counting the rows that break VARCHAR(n)/BINARY(n) lengths or hold no valid TIMESTAMP_TZ. */
  private checks(
    name: [string, string, string],
  ): { sql: string; kinds: ('length' | 'timestamp' | 'lob')[]; rowIds: boolean } | undefined {
    const kinds: ('length' | 'timestamp' | 'lob')[] = [];
    const filters: string[] = [];
    const columns = this.catalog.columns(...name) ?? [];
    for (const column of columns) {
      const col = quoteIdentifier(column.name);
      const { type } = column;
      if (type.dataType === 'TEXT' && type.length !== null && type.length < 16_777_216) {
        filters.push(`count(*) FILTER (WHERE length(${col}) > ${type.length})`);
        kinds.push('length');
      } else if (type.dataType === 'BINARY' && type.length !== null && type.length < 8_388_608) {
        filters.push(`count(*) FILTER (WHERE octet_length(${col}) > ${type.length})`);
        kinds.push('length');
      } else if (type.dataType === 'VARIANT' || type.dataType === 'OBJECT' || type.dataType === 'ARRAY') {
        filters.push(`count(*) FILTER (WHERE strlen(CAST(${col} AS VARCHAR)) > ${LOB_LIMIT_BYTES})`);
        kinds.push('lob');
      } else if (type.dataType === 'TIMESTAMP_TZ') {
        filters.push(
          `count(*) FILTER (WHERE ${col} IS NOT NULL AND try_cast(${col} AS TIMESTAMPTZ) IS NULL)`,
        );
        kinds.push('timestamp');
      }
    }
    if (filters.length === 0) return undefined;
    return {
      sql: `SELECT ${filters.join(', ')} FROM ${this.tableSql(name)}`,
      kinds,
      // A column of that name would hide DuckDB's row id.
      rowIds: !columns.some((c) => c.name.toUpperCase() === 'ROWID'),
    };
  }

  /**
   * Fails the statement when a row breaks a check. `since` (the last row id before a statement
   * that only adds rows) limits the checks to the rows it added: DuckDB appends rows with row ids
   * above every row id the table held, and the rows already there passed when they were written.
   * Without it every row is checked, which made each statement cost the size of the whole table.
   */
  private async enforce(
    connection: DuckDBConnection,
    checks: { sql: string; kinds: ('length' | 'timestamp' | 'lob')[]; rowIds: boolean },
    since: number | undefined,
  ): Promise<void> {
    const sql = since !== undefined && checks.rowIds ? `${checks.sql} WHERE rowid > ${since}` : checks.sql;
    const row = (await connection.runAndReadAll(sql)).getRowsJson()[0] ?? [];
    for (const [index, count] of row.entries()) {
      if (Number(count) > 0) {
        const kind = checks.kinds[index];
        throw kind === 'length'
          ? sqlErrors.stringTooLong()
          : kind === 'lob'
            ? sqlErrors.lobTooLarge()
            : sqlErrors.timestampNotRecognized();
      }
    }
  }

  /** The highest row id in the table, -1 when it is empty. */
  private async lastRowId(connection: DuckDBConnection, name: readonly string[]): Promise<number> {
    const reader = await connection.runAndReadAll(
      `SELECT coalesce(max(rowid), -1) FROM ${this.tableSql(name)}`,
    );
    return Number(reader.getRowsJson()[0]?.[0] ?? -1);
  }

  private async count(connection: DuckDBConnection, name: readonly string[]): Promise<number> {
    const reader = await connection.runAndReadAll(`SELECT count(*) FROM ${this.tableSql(name)}`);
    return Number(reader.getRowsJson()[0]?.[0] ?? 0);
  }
}

/**
 * Whether a statement can only add rows: an INSERT, or a MERGE without an UPDATE or DELETE branch
 * (rows it leaves alone are not changed, so they need no new check).
 */
function addsOnly(kind: StatementKind, tokens: readonly SqlToken[]): boolean {
  if (kind === 'insert') return true;
  return kind === 'merge' && !tokens.some((t) => isWord(t, 'UPDATE', 'DELETE'));
}

function baseName(path: string): string {
  const file = path.split(/[\\/]/).pop() ?? 'snowflake';
  return file.replace(/\.[^.]*$/, '');
}

function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
}
