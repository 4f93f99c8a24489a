import type { PgDatabase } from '../postgres/PgDatabase';

/** A foreign key as the catalog declares it; composite keys keep their column pairs in order. */
export interface PgForeignKey {
  readonly name: string;
  /** `schema.table` holding the referencing columns. */
  readonly table: string;
  readonly columns: readonly string[];
  /** `schema.table` referenced. */
  readonly references: string;
  readonly referencedColumns: readonly string[];
}

interface ForeignKeyRow {
  name: string;
  schema: string;
  table: string;
  ref_schema: string;
  ref_table: string;
  columns: string;
  ref_columns: string;
}

const FOREIGN_KEYS_SQL = `
SELECT con.conname AS name, n.nspname AS schema, c.relname AS table,
       rn.nspname AS ref_schema, rc.relname AS ref_table,
       array_to_json(array_agg(a.attname ORDER BY k.ord))::text AS columns,
       array_to_json(array_agg(ra.attname ORDER BY k.ord))::text AS ref_columns
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, ref_attnum, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
JOIN pg_catalog.pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.ref_attnum
WHERE con.contype = 'f' AND n.nspname = ANY($1::text[])
GROUP BY con.oid, con.conname, n.nspname, c.relname, rn.nspname, rc.relname
ORDER BY n.nspname, c.relname, con.conname`;

/** Reads the foreign keys declared on tables of the given schemas. */
export async function readForeignKeys(db: PgDatabase, schemas: readonly string[]): Promise<PgForeignKey[]> {
  const result = await db.query<ForeignKeyRow>(FOREIGN_KEYS_SQL, [schemas]);
  return result.rows.map((row) => ({
    name: row.name,
    table: `${row.schema}.${row.table}`,
    columns: JSON.parse(row.columns) as string[],
    references: `${row.ref_schema}.${row.ref_table}`,
    referencedColumns: JSON.parse(row.ref_columns) as string[],
  }));
}

/** Schemas holding user tables: all but PostgreSQL's own. */
export async function readUserSchemas(db: PgDatabase): Promise<string[]> {
  const result = await db.query<{ schema: string }>(
    `SELECT nspname AS schema FROM pg_catalog.pg_namespace
     WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'
     ORDER BY nspname`,
  );
  return result.rows.map((r) => r.schema);
}

/** `schema.table` of the base and partitioned tables (not views, not partitions) of the given schemas. */
export async function readBaseTables(db: PgDatabase, schemas: readonly string[]): Promise<Set<string>> {
  const result = await db.query<{ schema: string; table: string }>(
    `SELECT n.nspname AS schema, c.relname AS table
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1::text[])`,
    [schemas],
  );
  return new Set(result.rows.map((r) => `${r.schema}.${r.table}`));
}
