import type { PgDatabase } from '../postgres/PgDatabase';
import { qualifiedName } from '../postgres/qualifiedName';

/**
 * Relations whose query reads a relation, from their rewrite rules' dependencies (a view's or a
 * materialized view's `SELECT`), then followed through views: a materialized view over a view
 * over a planned table reads that table.
 */
const SQL = `
WITH RECURSIVE reads AS (
  SELECT DISTINCT r.ev_class AS reader, d.refobjid AS read
  FROM pg_catalog.pg_rewrite r
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
  WHERE d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> r.ev_class
), reach AS (
  SELECT reader, read FROM reads
  UNION
  SELECT d.reader, r.read FROM reads d JOIN reach r ON r.reader = d.read
)
SELECT DISTINCT mn.nspname AS schema, m.relname AS name, has_table_privilege(m.oid, 'SELECT')::text AS readable
FROM reach
JOIN pg_catalog.pg_class m ON m.oid = reach.reader
JOIN pg_catalog.pg_namespace mn ON mn.oid = m.relnamespace
JOIN pg_catalog.pg_class b ON b.oid = reach.read
JOIN pg_catalog.pg_namespace bn ON bn.oid = b.relnamespace
WHERE m.relkind = 'm' AND m.relispopulated
  AND (bn.nspname || '.' || b.relname) = ANY($1::text[])
ORDER BY 1, 2`;

/**
 * The populated materialized views, in any schema, that read any of `tables` (`schema.table`),
 * directly or through views: each holds copies of those tables' rows as they were when it was last
 * refreshed, which an erasure of the rows does not change. Sorted `schema.table` names (`qualifiedName`), apart those
 * the connection may read and those it may not (which cannot be searched).
 */
export async function materializedViewsOver(
  db: Pick<PgDatabase, 'query'>,
  tables: readonly string[],
): Promise<{ readonly readable: string[]; readonly unreadable: string[] }> {
  if (tables.length === 0) return { readable: [], unreadable: [] };
  const result = await db.query<{ schema: string; name: string; readable: string }>(SQL, [tables]);
  const named = (readable: boolean) =>
    result.rows
      .filter((r) => (r.readable === 'true' || r.readable === 't') === readable)
      .map((r) => qualifiedName(r.schema, r.name));
  return { readable: named(true), unreadable: named(false) };
}
