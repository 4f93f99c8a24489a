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

/**
 * A trigger or rule that fires on a table's DELETE or UPDATE (row or statement level; internal
 * foreign-key triggers and disabled ones left out), or a row-security policy on it (`kind: policy`:
 * it can hide the subject's rows from the statement).
 */
export interface PgSideEffect {
  readonly kind: 'trigger' | 'rule' | 'policy';
  readonly name: string;
  /** `schema.table` of the mapped table whose statement it fires on. */
  readonly table: string;
  /**
   * For a row-level trigger on one of that table's partitions or child tables by inheritance: that
   * relation (`schema.table`), whose rows the table's statement changes too.
   */
  readonly on?: string;
  readonly onDelete: boolean;
  readonly onUpdate: boolean;
  /** An `UPDATE OF` trigger's columns; empty when it fires on any column. */
  readonly columns: readonly string[];
}

/**
 * The live catalog as erasure needs it: tables and columns, keys, foreign keys and CHECKs. Tables
 * are read for the mapped schemas AND every schema holding a table that references one of them,
 * so a reference from a schema the data map does not name is followed like any other.
 */
export interface ErasureCatalog extends PgCatalog {
  readonly foreignKeys: readonly PgForeignKey[];
  readonly checks: readonly PgCheck[];
  readonly sideEffects: readonly PgSideEffect[];
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
// A partition's rows are its partitioned table's: a foreign key declared on a partition, or onto
// one, is read as the partitioned table's (the root of its tree, `pg_partition_root`), which is what
// the data map names; the copies PostgreSQL makes of a partitioned table's own foreign key on each
// partition, and onto each partition of a partitioned table it references (`conparentid`), are that
// key already and left out. A column of a partition is its root's column of the same name.
const FOREIGN_KEYS_SQL = `
SELECT con.conname AS name, ns.nspname || '.' || cl.relname AS "table", ns.nspname AS schema,
       nf.nspname || '.' || cf.relname AS ref_table, con.confdeltype::text AS on_delete,
       array_to_json(ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
         JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o))::text AS columns,
       array_to_json(ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
         JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o))::text AS ref_columns
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class cl ON cl.oid = COALESCE(pg_catalog.pg_partition_root(con.conrelid), con.conrelid)
JOIN pg_catalog.pg_namespace ns ON ns.oid = cl.relnamespace
JOIN pg_catalog.pg_class cf ON cf.oid = COALESCE(pg_catalog.pg_partition_root(con.confrelid), con.confrelid)
JOIN pg_catalog.pg_namespace nf ON nf.oid = cf.relnamespace
WHERE con.contype = 'f' AND con.conparentid = 0
  AND (ns.nspname = ANY($1::text[]) OR nf.nspname = ANY($1::text[]))
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

// Triggers (tgtype bits: 1 ROW, 8 DELETE, 16 UPDATE; internal RI triggers and disabled ones left
// out), rules on DELETE (ev_type 4) or UPDATE (2; 3 is INSERT), and row-security policies of tables with row
// security enabled: every policy but an INSERT one applies to a planned statement, since a DELETE or
// UPDATE reads its rows through the SELECT policies and the change's `SELECT … FOR UPDATE` through
// the UPDATE ones (https://www.postgresql.org/docs/current/sql-createpolicy.html, "Policies Applied
// by Command Type"). A statement on a table changes the rows of its partitions and child tables by
// inheritance too, and their row-level triggers fire: each is listed under the table, with the
// relation it is on (`on`), except the copies PostgreSQL makes on each partition of a partitioned
// table's own trigger (`tgparentid`), which is listed already; a copy enabled on a partition while
// the partitioned table's own trigger is disabled still fires, and is listed. An `UPDATE OF` trigger naming a
// generated column fires when any column it is computed from is updated: its columns are read as
// none (it fires on every UPDATE).
const SIDE_EFFECTS_SQL = `
WITH RECURSIVE family AS (
  SELECT c.oid AS root, c.oid AS rel
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'f') AND n.nspname = ANY($1::text[])
  UNION ALL
  SELECT f.root, i.inhrelid FROM family f JOIN pg_catalog.pg_inherits i ON i.inhparent = f.rel
)
SELECT 'trigger' AS kind, t.tgname AS name, rn.nspname || '.' || r.relname AS "table",
       (CASE WHEN t.tgrelid = f.root THEN NULL ELSE ns.nspname || '.' || cl.relname END) AS "on",
       (t.tgtype & 8 <> 0)::text AS on_delete, (t.tgtype & 16 <> 0)::text AS on_update,
       (CASE WHEN EXISTS (SELECT 1 FROM unnest(t.tgattr::int2[]) k(n)
                          JOIN pg_catalog.pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.n
                          WHERE a.attgenerated <> '')
             THEN '[]'
             ELSE array_to_json(ARRAY(SELECT a.attname FROM unnest(t.tgattr::int2[]) k(n)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.n ORDER BY a.attname))::text
        END) AS columns
FROM family f
JOIN pg_catalog.pg_trigger t ON t.tgrelid = f.rel
JOIN pg_catalog.pg_class cl ON cl.oid = t.tgrelid
JOIN pg_catalog.pg_namespace ns ON ns.oid = cl.relnamespace
JOIN pg_catalog.pg_class r ON r.oid = f.root
JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND t.tgtype & 24 <> 0
  AND (t.tgrelid = f.root OR (t.tgtype & 1 <> 0 AND (t.tgparentid = 0 OR EXISTS (
    SELECT 1 FROM pg_catalog.pg_trigger pt WHERE pt.oid = t.tgparentid AND pt.tgenabled = 'D'))))
UNION ALL
SELECT 'rule', r.rulename, ns.nspname || '.' || cl.relname, NULL, (r.ev_type = '4')::text, (r.ev_type = '2')::text, '[]'
FROM pg_catalog.pg_rewrite r
JOIN pg_catalog.pg_class cl ON cl.oid = r.ev_class
JOIN pg_catalog.pg_namespace ns ON ns.oid = cl.relnamespace
WHERE r.rulename <> '_RETURN' AND r.ev_enabled <> 'D' AND r.ev_type IN ('2', '4') AND ns.nspname = ANY($1::text[])
UNION ALL
SELECT 'policy', p.polname, ns.nspname || '.' || cl.relname, NULL, (p.polcmd IN ('*', 'r', 'w', 'd'))::text,
       (p.polcmd IN ('*', 'r', 'w'))::text, '[]'
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class cl ON cl.oid = p.polrelid
JOIN pg_catalog.pg_namespace ns ON ns.oid = cl.relnamespace
WHERE cl.relrowsecurity AND ns.nspname = ANY($1::text[])
ORDER BY 3, 1, 2, 4`;

/**
 * Reads tables, keys, foreign keys (with their ON DELETE action), CHECK constraints, triggers, rules
 * and row-security policies of `schemas`, and the tables of every other schema that references them.
 */
export async function readErasureCatalog(
  db: PgDatabase,
  schemas: readonly string[],
): Promise<ErasureCatalog> {
  const [fks, checks, effects] = await Promise.all([
    db.query<{
      name: string;
      table: string;
      schema: string;
      ref_table: string;
      on_delete: string;
      columns: string;
      ref_columns: string;
    }>(FOREIGN_KEYS_SQL, [schemas]),
    db.query<{ name: string; table: string; expression: string; columns: string }>(CHECKS_SQL, [schemas]),
    readSideEffects(db, schemas),
  ]);
  // The schema as the catalog names it: a schema's name may hold a dot (`"Other.Stuff".refs`).
  const referencing = fks.rows.map((r) => r.schema);
  const catalog = await readPgCatalog(db, [...new Set([...schemas, ...referencing])].sort());
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
    sideEffects: effects,
  };
}

/** Anything that runs a statement: a pooled database or a client inside a transaction. */
export interface PgQueryable {
  query<R extends object>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** The triggers, rules and row-security policies of `schemas` (see {@link PgSideEffect}). */
export async function readSideEffects(db: PgQueryable, schemas: readonly string[]): Promise<PgSideEffect[]> {
  const result = await db.query<{
    kind: 'trigger' | 'rule' | 'policy';
    name: string;
    table: string;
    on: string | null;
    on_delete: string;
    on_update: string;
    columns: string;
  }>(SIDE_EFFECTS_SQL, [schemas]);
  return result.rows.map((r) => ({
    kind: r.kind,
    name: r.name,
    table: r.table,
    ...(r.on ? { on: r.on } : {}),
    onDelete: r.on_delete === 'true',
    onUpdate: r.on_update === 'true',
    columns: JSON.parse(r.columns) as string[],
  }));
}

/** The declared length limit of a `varchar(n)` / `char(n)` column, if any. */
export function maxLengthOf(column: PgColumn): number | undefined {
  const m = /^(?:character varying|character|bpchar|varchar)\((\d+)\)$/.exec(column.typeName);
  return m ? Number(m[1]) : undefined;
}
