import { type EngineSession, SESSION_PARAMETERS } from './EngineSession';
import type { EngineState } from './EngineState';
import { sqlErrors } from './SnowflakeSqlError';
import { type StatementResult, statusResult } from './StatementResult';
import { isOp, isWord, type SqlToken } from './tokenizeSql';
import { identifierName, quoteString, splitTopLevel } from './translateExpression';

/** The session statements: USE, ALTER SESSION SET/UNSET and transactions, and the session's parameters. */
export class SessionStatements {
  constructor(private readonly engine: EngineState) {}

  async setParameter(session: EngineSession, name: string, value: string): Promise<void> {
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

  /** `ALTER SESSION SET p = v [, …]` / `ALTER SESSION UNSET p [, …]`: unknown names are refused. */
  async alterSession(session: EngineSession, tokens: readonly SqlToken[]): Promise<StatementResult> {
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

  async useStatement(session: EngineSession, tokens: readonly SqlToken[]): Promise<StatementResult> {
    let i = 1;
    let kind = 'AUTO';
    if (isWord(tokens[i], 'WAREHOUSE')) {
      const name = tokens[i + 1] ? identifierName(tokens[i + 1] as SqlToken) : '';
      if (!this.engine.warehouses.has(name)) throw sqlErrors.doesNotExist();
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
    const { parts } = this.engine.readName(tokens, i);
    if (kind === 'DATABASE' || (kind === 'AUTO' && parts.length === 1)) {
      const database = parts[0] ?? '';
      if (!this.engine.databases.has(database)) throw sqlErrors.objectMissing(database);
      const hasPublic = await this.engine.schemaExists(database, 'PUBLIC');
      await this.engine.use(session, database, hasPublic ? 'PUBLIC' : undefined, false);
    } else {
      const [database, schema] =
        parts.length === 2
          ? [parts[0] ?? '', parts[1] ?? '']
          : [this.engine.requireDatabase(session), parts[0] ?? ''];
      if (!this.engine.databases.has(database) || !(await this.engine.schemaExists(database, schema))) {
        throw sqlErrors.schemaMissing(`${database}.${schema}`);
      }
      await this.engine.use(session, database, schema, false);
    }
    return statusResult('session', 'Statement executed successfully.');
  }

  async transaction(session: EngineSession, word: string): Promise<StatementResult> {
    if (word === 'BEGIN' || word === 'START') {
      if (!session.inTransaction) await session.connection.run('BEGIN TRANSACTION');
      session.inTransaction = true;
    } else if (session.inTransaction) {
      await session.connection.run(word);
      session.inTransaction = false;
    }
    return statusResult('transaction', 'Statement executed successfully.');
  }
}
