import { quoteIdent } from './quoteIdent';
import type { PgColumn } from './readPgCatalog';

const MONEY = 790;
const MONEY_ARRAY = 791;

/**
 * How a searched table's column is read. Every column comes back as PostgreSQL's text, except
 * `money`, whose text follows the session's `lc_monetary` (`$1,234,567.89`, `1.234.567,89 €`): it is
 * read as `numeric`, exact and the same in every locale. `json` is read as it is stored: a cast to
 * `jsonb` fails on `\u0000` and would make the whole table unsearchable (the canonical form applies
 * jsonb's semantics itself, see `parseJsonAsJsonb`).
 */
export function selectColumnSql(column: PgColumn): string {
  const quoted = quoteIdent(column.name);
  if (column.typeOid === MONEY) return `${quoted}::numeric AS ${quoted}`;
  if (column.typeOid === MONEY_ARRAY) return `${quoted}::numeric[] AS ${quoted}`;
  return quoted;
}
