import type { EngineSession } from './EngineSession';
import type { EngineState } from './EngineState';
import type { DeclaredColumn } from './SnowflakeCatalog';
import { sqlErrors } from './SnowflakeSqlError';
import { readSnowflakeType } from './SnowflakeType';
import { type StatementResult, statusResult } from './StatementResult';
import { isOp, isWord, type SqlToken } from './tokenizeSql';
import {
  ExpressionTranslator,
  identifierName,
  matchingParen,
  quoteIdentifier,
  splitTopLevel,
  type TableReference,
} from './translateExpression';

const TRUNCATABLE_OPTIONS = new Set(['CASCADE', 'RESTRICT']);

/**
 * The DDL statements: CREATE and DROP of databases, schemas and tables, ALTER TABLE and TRUNCATE.
 * Each keeps DuckDB and the catalog of declared columns in step.
 */
export class DdlStatements {
  constructor(private readonly engine: EngineState) {}

  async create(session: EngineSession, tokens: readonly SqlToken[]): Promise<StatementResult> {
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
    const { parts, next } = this.engine.readName(tokens, i);
    switch (objectType) {
      case 'DATABASE': {
        const name = parts.join('.');
        const exists = this.engine.databases.has(name);
        if (exists && !orReplace) {
          if (!ifNotExists) throw sqlErrors.alreadyExists(name);
          return statusResult('ddl', `${name} already exists, statement succeeded.`);
        }
        if (exists) await this.dropDatabase(name);
        await this.engine.attach(name);
        await this.engine.meta.run(
          `INSERT INTO ${quoteIdentifier(this.engine.mainDatabase)}.sf_meta.databases VALUES ($1) ON CONFLICT DO NOTHING`,
          [name],
        );
        await this.engine.use(session, name, 'PUBLIC', false);
        return statusResult('ddl', `Database ${name} successfully created.`);
      }
      case 'SCHEMA': {
        const [database, schema] =
          parts.length === 2
            ? [parts[0] ?? '', parts[1] ?? '']
            : [this.engine.requireDatabase(session), parts[0] ?? ''];
        if (!this.engine.databases.has(database)) throw sqlErrors.objectMissing(database);
        const target = `${quoteIdentifier(database)}.${quoteIdentifier(schema)}`;
        const exists = await this.engine.schemaExists(database, schema);
        if (exists && !orReplace) {
          if (!ifNotExists) throw sqlErrors.alreadyExists(schema);
          return statusResult('ddl', `${schema} already exists, statement succeeded.`);
        }
        if (exists) {
          await this.engine.meta.run(`DROP SCHEMA ${target} CASCADE`);
          await this.engine.catalog.dropContainer(database, schema);
        }
        await this.engine.meta.run(`CREATE SCHEMA ${target}`);
        await this.engine.use(session, database, schema, false);
        return statusResult('ddl', `Schema ${schema} successfully created.`);
      }
      case 'TABLE':
        return this.createTable(session, tokens, parts, next, orReplace, ifNotExists);
      default:
        throw sqlErrors.unsupported(`CREATE ${objectType}`);
    }
  }

  private async tableExists([database, schema, table]: readonly string[]): Promise<boolean> {
    const reader = await this.engine.meta.runAndReadAll(
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
    const name = this.engine.resolveTable(session, parts);
    const [database, schema, table] = name;
    if (!this.engine.databases.has(database)) throw sqlErrors.objectMissing(database);
    if (!(await this.engine.schemaExists(database, schema)))
      throw sqlErrors.schemaMissing(`${database}.${schema}`);
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
      `CREATE ${orReplace ? 'OR REPLACE ' : ''}TABLE ${this.engine.tableSql(name)} (${definitions.join(', ')})`,
    );
    await this.engine.catalog.setTable(database, schema, table, declared);
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
          this.engine.context(session),
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

  async drop(session: EngineSession, tokens: readonly SqlToken[]): Promise<StatementResult> {
    const objectType = tokens[1]?.text.toUpperCase();
    let i = 2;
    let ifExists = false;
    if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'EXISTS')) {
      ifExists = true;
      i += 2;
    }
    const { parts } = this.engine.readName(tokens, i);
    switch (objectType) {
      case 'TABLE': {
        const name = this.engine.resolveTable(session, parts);
        if (!(await this.tableExists(name))) {
          if (ifExists)
            return statusResult('ddl', 'Drop statement executed successfully (table already dropped).');
          throw sqlErrors.objectMissing(name.join('.'));
        }
        await session.connection.run(`DROP TABLE ${this.engine.tableSql(name)}`);
        await this.engine.catalog.dropTable(...name);
        return statusResult('ddl', `${name[2]} successfully dropped.`);
      }
      case 'SCHEMA': {
        const [database, schema] =
          parts.length === 2
            ? [parts[0] ?? '', parts[1] ?? '']
            : [this.engine.requireDatabase(session), parts[0] ?? ''];
        if (!this.engine.databases.has(database) || !(await this.engine.schemaExists(database, schema))) {
          if (ifExists)
            return statusResult('ddl', 'Drop statement executed successfully (schema already dropped).');
          throw sqlErrors.schemaMissing(`${database}.${schema}`);
        }
        await this.engine.meta.run(
          `DROP SCHEMA ${quoteIdentifier(database)}.${quoteIdentifier(schema)} CASCADE`,
        );
        await this.engine.catalog.dropContainer(database, schema);
        if (session.database === database && session.schema === schema) session.schema = undefined;
        return statusResult('ddl', `${schema} successfully dropped.`);
      }
      case 'DATABASE': {
        const name = parts.join('.');
        if (!this.engine.databases.has(name)) {
          if (ifExists)
            return statusResult('ddl', 'Drop statement executed successfully (database already dropped).');
          throw sqlErrors.objectMissing(name);
        }
        if (session.database === name) {
          await session.connection.run(`USE ${quoteIdentifier(this.engine.mainDatabase)}`);
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
    await this.engine.meta.run(`DETACH DATABASE IF EXISTS ${quoteIdentifier(name)}`);
    await this.engine.meta.run(
      `DELETE FROM ${quoteIdentifier(this.engine.mainDatabase)}.sf_meta.databases WHERE NAME = $1`,
      [name],
    );
    await this.engine.catalog.dropContainer(name);
    this.engine.databases.delete(name);
  }

  async alter(session: EngineSession, tokens: readonly SqlToken[]): Promise<StatementResult> {
    if (!isWord(tokens[1], 'TABLE')) throw sqlErrors.unsupported(`ALTER ${tokens[1]?.text ?? ''}`);
    let i = 2;
    if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'EXISTS')) i += 2;
    const { parts, next } = this.engine.readName(tokens, i);
    const name = this.engine.resolveTable(session, parts);
    if (!(await this.tableExists(name))) throw sqlErrors.objectMissing(name.join('.'));
    const target = this.engine.tableSql(name);
    i = next;
    const action = tokens[i]?.text.toUpperCase();
    i++;
    if (isWord(tokens[i], 'COLUMN')) i++;
    const declared = this.engine.catalog.columns(...name) ?? [];
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
        await this.engine.catalog.addColumn(...name, column.declared);
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
        await this.engine.catalog.dropColumn(...name, column);
      }
    } else if (action === 'RENAME' && isWord(tokens[i - 1], 'COLUMN')) {
      const from = identifierName(tokens[i] as SqlToken);
      const to = identifierName(tokens[i + 2] as SqlToken);
      await session.connection.run(
        `ALTER TABLE ${target} RENAME COLUMN ${quoteIdentifier(from)} TO ${quoteIdentifier(to)}`,
      );
      await this.engine.catalog.renameColumn(...name, from, to);
    } else {
      throw sqlErrors.unsupported(`ALTER TABLE ${action}`);
    }
    return statusResult('ddl', 'Statement executed successfully.');
  }

  async truncate(session: EngineSession, tokens: readonly SqlToken[]): Promise<StatementResult> {
    let i = 1;
    if (isWord(tokens[i], 'TABLE')) i++;
    let ifExists = false;
    if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'EXISTS')) {
      ifExists = true;
      i += 2;
    }
    const { parts, next } = this.engine.readName(tokens, i);
    if (tokens[next] && !isWord(tokens[next], ...TRUNCATABLE_OPTIONS))
      throw sqlErrors.syntax('after TRUNCATE');
    const name = this.engine.resolveTable(session, parts);
    if (!(await this.tableExists(name))) {
      if (ifExists) return statusResult('ddl', 'Statement executed successfully.');
      throw sqlErrors.objectMissing(name.join('.'));
    }
    await session.connection.run(`DELETE FROM ${this.engine.tableSql(name)}`);
    return statusResult('ddl', 'Statement executed successfully.');
  }
}
