import { quoteIdent } from './quoteIdent';
import type { PgCatalog } from './readPgCatalog';

/**
 * The tables among `tables` (`schema.table`, as the catalog names them) whose rows row security
 * filters for the role `db` runs as (`row_security_active`: row security enabled, the role neither
 * the owner of an unforced table nor `BYPASSRLS`). Such a role's statements skip the rows its
 * policies hide without an error, and a command without a policy of its own sees no row at all.
 * Tables the catalog does not know are left out.
 */
export async function rowSecurityActive(
  db: { query<R extends object>(text: string, values?: unknown[]): Promise<{ rows: R[] }> },
  catalog: PgCatalog,
  tables: readonly string[],
): Promise<Set<string>> {
  const known = [...new Set(tables)].flatMap((name) => {
    const live = catalog.tables.get(name);
    return live ? [{ name, qualified: `${quoteIdent(live.schema)}.${quoteIdent(live.name)}` }] : [];
  });
  if (known.length === 0) return new Set();
  const result = await db.query<{ name: string }>(
    'SELECT t.name FROM unnest($1::text[], $2::text[]) AS t(name, qualified) WHERE row_security_active(to_regclass(t.qualified))',
    [known.map((t) => t.name), known.map((t) => t.qualified)],
  );
  return new Set(result.rows.map((r) => r.name));
}
