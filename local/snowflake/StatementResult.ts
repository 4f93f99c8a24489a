import { countColumn, textColumn } from './describeResultColumns';
import type { ResultColumn } from './ResultColumn';
import type { StatementKind } from './statementKind';
import { isWord, type SqlToken } from './tokenizeSql';

/** The outcome of one statement: Snowflake rowtype, raw DuckDB values and the statement type. */
export interface StatementResult {
  readonly kind: StatementKind;
  readonly statementTypeId: number;
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly unknown[])[];
}

/** Bind values by row: one row for ordinary binds, many for an array bind. */
export type BindRows = readonly (readonly (string | null)[])[];

/** Snowflake's statement type id of each kind of statement. */
export const STATEMENT_TYPE: Record<StatementKind, number> = {
  select: 0x1000,
  insert: 0x3100,
  update: 0x3200,
  delete: 0x3300,
  merge: 0x3400,
  ddl: 0x6000,
  session: 0x4000,
  transaction: 0x5000,
};

/** The one-row `status` answer of a DDL, session or transaction statement. */
export function statusResult(kind: StatementKind, message: string): StatementResult {
  return { kind, statementTypeId: STATEMENT_TYPE[kind], columns: [textColumn('status')], rows: [[message]] };
}

/** Snowflake's DML answer: one row of counts, one column per kind of change. */
export function dmlResult(
  kind: StatementKind,
  tokens: readonly SqlToken[],
  changed: number,
  growth: number,
): StatementResult {
  const make = (names: string[], values: number[]): StatementResult => ({
    kind,
    statementTypeId: STATEMENT_TYPE[kind],
    columns: names.map(countColumn),
    rows: [values.map(String)],
  });
  switch (kind) {
    case 'insert':
      return make(['number of rows inserted'], [changed]);
    case 'update':
      return make(['number of rows updated', 'number of multi-joined rows updated'], [changed, 0]);
    case 'delete':
      return make(['number of rows deleted'], [changed]);
    default: {
      const hasInsert = tokens.some((t, i) => isWord(t, 'THEN') && isWord(tokens[i + 1], 'INSERT'));
      const hasUpdate = tokens.some((t, i) => isWord(t, 'THEN') && isWord(tokens[i + 1], 'UPDATE'));
      const hasDelete = tokens.some((t, i) => isWord(t, 'THEN') && isWord(tokens[i + 1], 'DELETE'));
      // DuckDB reports one total; the change in row count separates inserts from the rest.
      const inserted = hasDelete && !hasUpdate ? Math.max(0, (changed + growth) / 2) : Math.max(0, growth);
      const rest = changed - inserted;
      const names: string[] = [];
      const values: number[] = [];
      if (hasInsert) names.push('number of rows inserted') && values.push(inserted);
      if (hasUpdate) names.push('number of rows updated') && values.push(rest);
      if (hasDelete) names.push('number of rows deleted') && values.push(hasUpdate ? 0 : rest);
      return make(names, values);
    }
  }
}
