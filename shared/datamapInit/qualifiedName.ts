import { quoteIdent } from '../postgres/quoteIdent';

/** `schema.table` as a quoted SQL name. */
export function qualifiedName(table: string): string {
  const dot = table.indexOf('.');
  return `${quoteIdent(table.slice(0, dot))}.${quoteIdent(table.slice(dot + 1))}`;
}
