import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { fromDuckDbType, refineWithDeclared, textColumn } from './describeResultColumns';
import type { EngineSession } from './EngineSession';
import { type EngineState, LOB_LIMIT_BYTES } from './EngineState';
import type { DeclaredColumn } from './SnowflakeCatalog';
import { sqlErrors } from './SnowflakeSqlError';
import { type BindRows, dmlResult, STATEMENT_TYPE, type StatementResult } from './StatementResult';
import { type StatementKind, statementKind } from './statementKind';
import { isOp, isWord, type SqlToken } from './tokenizeSql';
import { ExpressionTranslator, quoteIdentifier, type TableReference } from './translateExpression';

/**
 * Queries and the DML statements (INSERT, UPDATE, DELETE, MERGE): exact-case name checks, and the
 * length, timestamp and LOB checks Snowflake applies to the rows a statement writes.
 */
export class DmlStatements {
  constructor(private readonly engine: EngineState) {}

  async execute(
    session: EngineSession,
    tokens: readonly SqlToken[],
    binds: BindRows,
  ): Promise<StatementResult> {
    const kind = statementKind(tokens);
    // Queries and DML run on a warehouse. https://docs.snowflake.com/en/user-guide/warehouses-overview
    if (!session.warehouse) throw sqlErrors.noWarehouse();
    const translation = new ExpressionTranslator(tokens, this.engine.context(session)).translateAll();
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
      if (
        name &&
        (this.engine.catalog.hasTableDifferingOnlyInCase(...name) || this.databaseDiffersInCase(name[0]))
      )
        throw sqlErrors.objectMissing(name.join('.'));
    }
    const columns = new Set<string>();
    for (const parts of tables) {
      const name = this.tryResolve(session, parts);
      for (const c of (name && this.engine.catalog.columns(...name)) || []) columns.add(c.name);
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
    if (this.engine.databases.has(database)) return false;
    return [...this.engine.databases].some((d) => d.toUpperCase() === database.toUpperCase());
  }

  private tryResolve(
    session: EngineSession,
    parts: TableReference | undefined,
  ): [string, string, string] | undefined {
    if (!parts) return undefined;
    try {
      return this.engine.resolveTable(session, parts);
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
      for (const column of (name && this.engine.catalog.columns(...name)) || []) {
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
    const columns = this.engine.catalog.columns(...name) ?? [];
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
      sql: `SELECT ${filters.join(', ')} FROM ${this.engine.tableSql(name)}`,
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
      `SELECT coalesce(max(rowid), -1) FROM ${this.engine.tableSql(name)}`,
    );
    return Number(reader.getRowsJson()[0]?.[0] ?? -1);
  }

  private async count(connection: DuckDBConnection, name: readonly string[]): Promise<number> {
    const reader = await connection.runAndReadAll(`SELECT count(*) FROM ${this.engine.tableSql(name)}`);
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
