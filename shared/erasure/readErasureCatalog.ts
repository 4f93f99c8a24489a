import type { PgDatabase } from '../postgres/PgDatabase';
import { type PgCatalog, type PgColumn, readPgCatalog } from '../postgres/readPgCatalog';

/** What happens to referencing rows when a referenced row is deleted (`pg_constraint.confdeltype`). */
export type OnDelete = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default';

/** A foreign key, possibly composite: `columns` of `table` reference `refColumns` of `refTable`. */
export interface PgForeignKey {
  readonly name: string;
  /** `schema.table` of the referencing (child) table. */
  readonly table: string;
  readonly columns: readonly string[];
  /** `schema.table` of the referenced (parent) table. */
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly onDelete: OnDelete;
}

/** A CHECK constraint and the columns it reads; `expression` is `pg_get_expr` of it. */
export interface PgCheck {
  readonly name: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly expression: string;
}

/** The live catalog as erasure needs it: tables and columns, keys, foreign keys and CHECKs. */
export interface ErasureCatalog extends PgCatalog {
  readonly foreignKeys: readonly PgForeignKey[];
  readonly checks: readonly PgCheck[];
}

const DELETE_ACTIONS: Record<string, OnDelete> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

// Foreign keys touching the schemas in either direction: a table outside the data map's schemas
// that references one of its tables still decides whether a delete is accepted.
const FOREIGN_KEYS_SQL = `
SELECT con.conname AS name, ns.nspname || '.' || cl.relname AS "table",
       nf.nspname || '.' || cf.relname AS ref_table, con.confdeltype::text AS on_delete,
       array_to_json(ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
         JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o))::text AS columns,
       array_to_json(ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
         JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o))::text AS ref_columns
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class cl ON cl.oid = con.conrelid
JOIN pg_catalog.pg_namespace ns ON ns.oid = cl.relnamespace
JOIN pg_catalog.pg_class cf ON cf.oid = con.confrelid
JOIN pg_catalog.pg_namespace nf ON nf.oid = cf.relnamespace
WHERE con.contype = 'f' AND (ns.nspname = ANY($1::text[]) OR nf.nspname = ANY($1::text[]))
ORDER BY 2, 1`;

const CHECKS_SQL = `
SELECT con.conname AS name, ns.nspname || '.' || cl.relname AS "table",
       pg_get_expr(con.conbin, con.conrelid) AS expression,
       array_to_json(ARRAY(SELECT a.attname FROM unnest(con.conkey) k(n)
         JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY a.attname))::text AS columns
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class cl ON cl.oid = con.conrelid
JOIN pg_catalog.pg_namespace ns ON ns.oid = cl.relnamespace
WHERE con.contype = 'c' AND ns.nspname = ANY($1::text[])
ORDER BY 2, 1`;

/** Reads tables, keys, foreign keys (with their ON DELETE action) and CHECK constraints of `schemas`. */
export async function readErasureCatalog(
  db: PgDatabase,
  schemas: readonly string[],
): Promise<ErasureCatalog> {
  const [catalog, fks, checks] = await Promise.all([
    readPgCatalog(db, schemas),
    db.query<{
      name: string;
      table: string;
      ref_table: string;
      on_delete: string;
      columns: string;
      ref_columns: string;
    }>(FOREIGN_KEYS_SQL, [schemas]),
    db.query<{ name: string; table: string; expression: string; columns: string }>(CHECKS_SQL, [schemas]),
  ]);
  return {
    tables: catalog.tables,
    foreignKeys: fks.rows.map((r) => ({
      name: r.name,
      table: r.table,
      columns: JSON.parse(r.columns) as string[],
      refTable: r.ref_table,
      refColumns: JSON.parse(r.ref_columns) as string[],
      onDelete: DELETE_ACTIONS[r.on_delete] ?? 'no action',
    })),
    checks: checks.rows.map((r) => ({
      name: r.name,
      table: r.table,
      expression: r.expression,
      columns: JSON.parse(r.columns) as string[],
    })),
  };
}

/** The declared length limit of a `varchar(n)` / `char(n)` column, if any. */
export function maxLengthOf(column: PgColumn): number | undefined {
  const m = /^(?:character varying|character|bpchar|varchar)\((\d+)\)$/.exec(column.typeName);
  return m ? Number(m[1]) : undefined;
}
