import type { PgDatabase } from '../postgres/PgDatabase';

/**
 * The single-column unique indexes (primary keys included) of the given schemas, as
 * `schema.table.column` → index name; partial and expression indexes do not make a column unique.
 * A partitioned table's column counts when its own index says so.
 */
export async function readUniqueIndexes(
  db: PgDatabase,
  schemas: readonly string[],
): Promise<Map<string, string>> {
  const result = await db.query<{ schema: string; table: string; column: string; index: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, ic.relname AS index
     FROM pg_catalog.pg_index i
     JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
     JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
     WHERE n.nspname = ANY($1::text[]) AND i.indisunique AND i.indnatts = 1
       AND i.indpred IS NULL AND i.indexprs IS NULL
     ORDER BY ic.relname`,
    [schemas],
  );
  const indexes = new Map<string, string>();
  for (const row of result.rows) {
    const key = `${row.schema}.${row.table}.${row.column}`;
    if (!indexes.has(key)) indexes.set(key, row.index);
  }
  return indexes;
}
