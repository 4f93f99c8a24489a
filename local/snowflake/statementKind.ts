import type { SqlToken } from './tokenizeSql';

/** What a statement does, as the request log and `statementTypeId` tell it. */
export type StatementKind =
  | 'select'
  | 'insert'
  | 'update'
  | 'delete'
  | 'merge'
  | 'ddl'
  | 'session'
  | 'transaction';

/** Classifies a statement by its first word. */
export function statementKind(tokens: readonly SqlToken[]): StatementKind {
  const first = tokens[0]?.type === 'word' ? tokens[0].text.toUpperCase() : '';
  switch (first) {
    case 'SELECT':
    case 'WITH':
    case 'SHOW':
    case 'DESCRIBE':
    case 'DESC':
      return 'select';
    case 'INSERT':
      return 'insert';
    case 'UPDATE':
      return 'update';
    case 'DELETE':
      return 'delete';
    case 'MERGE':
      return 'merge';
    case 'USE':
    case 'ALTER':
      return tokens[1]?.text.toUpperCase() === 'TABLE' ? 'ddl' : 'session';
    case 'BEGIN':
    case 'START':
    case 'COMMIT':
    case 'ROLLBACK':
      return 'transaction';
    default:
      return 'ddl';
  }
}
