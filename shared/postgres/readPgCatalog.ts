import type { PgDatabase } from './PgDatabase';

/** A column as the live PostgreSQL catalog describes it. */
export interface PgColumn {
  readonly name: string;
  readonly ordinal: number;
  /**
   * Its type's OID; for a column of a domain (over domains too), the domain's base type (what PostgreSQL sends for it
   * in a result, and what a search value must be read as: a domain's CHECK would refuse a search
   * value that matches nothing, and fail the whole statement).
   */
  readonly typeOid: number;
  /** `format_type` with the type modifier, e.g. `character varying(255)`, `numeric(38,18)`. */
  readonly typeName: string;
  /**
   * The type to cast a value to: `format_type` without the modifier, e.g. `character varying`,
   * `numeric`, except for `character(n)` and `bit(n)` (and their arrays), whose modifier it keeps:
   * without it they are `character(1)` and `bit(1)`, and a cast would cut a value to one character.
   * For a column of a domain, its base type (a value is checked against the domain where it is
   * written, not where it is compared).
   */
  readonly castType: string;
  /** `pg_type.typcategory` of the (base) type: N numeric, S string, U user (uuid), D date/time, … */
  readonly category: string;
  readonly notNull: boolean;
  /**
   * Its NOT NULL constraint was added `NOT VALID` (PostgreSQL 18): new values cannot be NULL, rows
   * written before may still hold NULL, so it does not make a key.
   */
  readonly notNullUnvalidated?: true;
  /** A generated column, or an identity column GENERATED ALWAYS: only PostgreSQL sets its value. */
  readonly generated?: true;
  /**
   * A generated column (`GENERATED ALWAYS AS (…) STORED`): the columns of its table it is computed
   * from (`pg_depend`), sorted; it is computed again when one of them changes.
   */
  readonly computedFrom?: readonly string[];
  /**
   * The OID of its collation when that collation is nondeterministic (equal values may differ in
   * bytes: case- or accent-insensitive); absent for a deterministic one, whose equality is bytes.
   */
  readonly nondeterministicCollation?: number;
  /** For an array column (category `A`): its element type's OID and category. */
  readonly element?: { readonly typeOid: number; readonly category: string };
  /**
   * The collation `lower()` is computed under for a text column whose own collation (or the
   * database's, for `default`) is Turkish or Azeri, where `lower('I')` is `ı` and not `i` as the
   * request's values are lowered: ICU's root collation (`und-x-icu`), or `null` when the server has
   * none (the column then cannot be searched by a lowercased kind; see `checkPostgresCatalog`).
   */
  readonly caseCollation?: string | null;
  /** Set when a foreign key of its table names it: its values refer to rows of one table. */
  readonly inForeignKey?: true;
}

export interface PgTable {
  readonly schema: string;
  readonly name: string;
  /** What the relation is when it is not a table (or a partitioned table): its rows are read, never changed. */
  readonly kind?: 'view' | 'materialized view' | 'foreign table';
  readonly columns: readonly PgColumn[];
  /** Column lists of the primary key and of every plain unique index. */
  readonly primaryKey: readonly string[] | undefined;
  readonly uniqueKeys: readonly (readonly string[])[];
  /**
   * For a partitioned table: its leaf partitions, each with its own keys. A key the parent lacks
   * is the key of the partitioned table's rows when every partition declares it (or a part of it)
   * and it holds every column the table is partitioned by, at every level (`partitionedBy`).
   */
  readonly partitions?: readonly PgPartition[];
  /**
   * For a partitioned table: the columns it and its sub-partitioned partitions are partitioned by,
   * and whether any of them is partitioned by an expression (no set of columns then tells the
   * partition of a row).
   */
  readonly partitionedBy?: { readonly columns: readonly string[]; readonly expression: boolean };
  /**
   * `schema.table` of its child tables by inheritance (`INHERITS`, at any depth; partitions are
   * not listed here): reading or changing the table reads and changes their rows too, and no key
   * of the table holds across them.
   */
  readonly inheritedBy?: readonly string[];
}

/** One leaf partition of a partitioned table, with its keys. */
export interface PgPartition {
  /** `schema.table` of the partition. */
  readonly name: string;
  readonly primaryKey: readonly string[] | undefined;
  readonly uniqueKeys: readonly (readonly string[])[];
  /** Its columns that hold no NULL ({@link neverNull}). */
  readonly notNull: readonly string[];
}

/** The tables, views and their columns in the schemas a data map names. */
export interface PgCatalog {
  /** Keyed by `schema.table`. */
  readonly tables: ReadonlyMap<string, PgTable>;
}

interface ColumnRow {
  schema: string;
  table: string;
  column: string;
  ordinal: string;
  type_oid: string;
  type_name: string;
  cast_type: string;
  category: string;
  not_null: string;
  not_null_unvalidated: string;
  generated: string;
  computed_from: string | null;
  relkind: string;
  element_oid: string | null;
  element_category: string | null;
  nondeterministic_collation: string | null;
  in_foreign_key: string;
  collation_locale: string | null;
  root_collation: string;
}

interface KeyRow {
  schema: string;
  table: string;
  is_primary: string;
  columns: string;
}

/** A Turkish or Azeri locale (`tr_TR.UTF-8`, `tr-TR`, `az-Latn-AZ`, `tr-x-icu`): `lower('I')` is `ı` there. */
const TURKIC = /(^|[\s])(tr|az)([-_.@\s]|$)/i;

const COLUMNS_SQL = `
SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, a.attnum::text AS ordinal,
       (CASE WHEN t.typtype = 'd' THEN root.oid ELSE a.atttypid END)::int8::text AS type_oid,
       format_type(a.atttypid, a.atttypmod) AS type_name,
       (CASE WHEN t.typtype = 'd'
               THEN format_type(root.oid, CASE WHEN bt.typname IN ('bpchar', '_bpchar', 'bit', '_bit') THEN root.mod END)
             WHEN t.typname IN ('bpchar', '_bpchar', 'bit', '_bit') THEN format_type(a.atttypid, a.atttypmod)
             ELSE format_type(a.atttypid, NULL) END) AS cast_type,
       (CASE WHEN t.typtype = 'd' THEN bt.typcategory ELSE t.typcategory END)::text AS category,
       a.attnotnull::text AS not_null,
       EXISTS (SELECT 1 FROM pg_catalog.pg_constraint nn WHERE nn.conrelid = c.oid AND nn.contype = 'n'
               AND NOT nn.convalidated AND nn.conkey[1] = a.attnum)::text AS not_null_unvalidated,
       (a.attgenerated <> '' OR a.attidentity = 'a')::text AS generated,
       (CASE WHEN a.attgenerated <> '' THEN (SELECT array_to_json(ARRAY(
          SELECT ra.attname FROM pg_catalog.pg_depend d
          JOIN pg_catalog.pg_attribute ra ON ra.attrelid = d.refobjid AND ra.attnum = d.refobjsubid
          JOIN pg_catalog.pg_attrdef ad ON ad.oid = d.objid AND ad.adrelid = c.oid AND ad.adnum = a.attnum
          WHERE d.classid = 'pg_catalog.pg_attrdef'::regclass
            AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = c.oid AND d.refobjsubid > 0
          ORDER BY ra.attname))::text) END) AS computed_from,
       c.relkind::text AS relkind,
       et.oid::int8::text AS element_oid, et.typcategory::text AS element_category,
       (SELECT a.attcollation::int8::text FROM pg_catalog.pg_collation co
         WHERE co.oid = a.attcollation AND NOT co.collisdeterministic) AS nondeterministic_collation,
       EXISTS (SELECT 1 FROM pg_catalog.pg_constraint fk WHERE fk.conrelid = c.oid AND fk.contype = 'f'
               AND a.attnum = ANY (fk.conkey))::text AS in_foreign_key,
       (CASE WHEN a.attcollation = 0 THEN NULL
             WHEN a.attcollation = 100 THEN (SELECT concat_ws(' ', to_jsonb(d) ->> 'datlocale', to_jsonb(d) ->> 'daticulocale', d.datcollate)
                                             FROM pg_catalog.pg_database d WHERE d.datname = current_database())
             ELSE (SELECT concat_ws(' ', to_jsonb(co) ->> 'colllocale', to_jsonb(co) ->> 'colliculocale', co.collcollate)
                   FROM pg_catalog.pg_collation co WHERE co.oid = a.attcollation) END) AS collation_locale,
       EXISTS (SELECT 1 FROM pg_catalog.pg_collation r WHERE r.collname = 'und-x-icu'
               AND r.collnamespace = 'pg_catalog'::regnamespace)::text AS root_collation
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
-- A domain's base type, through domains over domains: the type PostgreSQL sends and compares, and
-- the length modifier the innermost domain with one declares.
LEFT JOIN LATERAL (
  WITH RECURSIVE chain(oid, kind, base, mod, depth) AS (
    SELECT t.oid, t.typtype, t.typbasetype, t.typtypmod, 0
    UNION ALL
    SELECT d.oid, d.typtype, d.typbasetype, CASE WHEN chain.mod <> -1 THEN chain.mod ELSE d.typtypmod END, chain.depth + 1
    FROM chain JOIN pg_catalog.pg_type d ON d.oid = chain.base
    WHERE chain.kind = 'd' AND chain.depth < 32
  )
  SELECT chain.oid, chain.mod FROM chain WHERE chain.kind <> 'd' LIMIT 1
) root ON t.typtype = 'd'
LEFT JOIN pg_catalog.pg_type bt ON bt.oid = root.oid
LEFT JOIN pg_catalog.pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY n.nspname, c.relname, a.attnum`;

// Plain unique indexes only: a partial or expression index does not make a key, nor one left
// invalid (a failed CREATE UNIQUE INDEX CONCURRENTLY), nor one whose collation differs from its
// column's where either is nondeterministic (rows it holds apart can be equal in the column's
// collation, which orders and compares a search's pages, so a page would skip them).
const KEYS_SQL = `
SELECT n.nspname AS schema, c.relname AS table, i.indisprimary::text AS is_primary,
       array_to_json(array_agg(a.attname ORDER BY k.ord))::text AS columns
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
WHERE n.nspname = ANY($1::text[]) AND (i.indisprimary OR i.indisunique) AND i.indpred IS NULL AND i.indexprs IS NULL
  AND i.indisvalid AND i.indisready AND i.indislive
  AND NOT EXISTS (
    SELECT 1 FROM unnest(i.indkey::int2[], i.indcollation::oid[]) AS kc(attnum, coll)
    JOIN pg_catalog.pg_attribute ka ON ka.attrelid = c.oid AND ka.attnum = kc.attnum
    JOIN pg_catalog.pg_collation co ON co.oid = ka.attcollation
    WHERE kc.coll <> ka.attcollation AND (NOT co.collisdeterministic
      OR NOT (SELECT ic.collisdeterministic FROM pg_catalog.pg_collation ic WHERE ic.oid = kc.coll)))
GROUP BY n.nspname, c.relname, i.indexrelid, i.indisprimary`;

// Every table descending from a table, partitioned table or foreign table of these schemas, at any
// depth and in any schema, with the kinds of both: a partitioned table's partitions (leaves and
// sub-partitioned ones), a table's child tables by inheritance.
const DESCENDANTS_SQL = `
WITH RECURSIVE tree AS (
  SELECT c.oid AS root, i.inhrelid AS child
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_inherits i ON i.inhparent = c.oid
  WHERE c.relkind IN ('r', 'p', 'f') AND n.nspname = ANY($1::text[])
  UNION ALL
  SELECT t.root, i.inhrelid FROM tree t JOIN pg_catalog.pg_inherits i ON i.inhparent = t.child
)
SELECT rn.nspname AS schema, r.relname AS table, r.relkind::text AS table_kind,
       cn.nspname AS child_schema, c.relname AS child, c.relkind::text AS child_kind
FROM tree t
JOIN pg_catalog.pg_class r ON r.oid = t.root JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
JOIN pg_catalog.pg_class c ON c.oid = t.child JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
ORDER BY 1, 2, 4, 5`;

// The columns each partitioned table is partitioned by, its sub-partitioned partitions' included
// (`partattrs` holds 0 for an expression).
const PARTITIONED_BY_SQL = `
WITH RECURSIVE tree AS (
  SELECT c.oid AS root, c.oid AS node
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'p' AND n.nspname = ANY($1::text[])
  UNION ALL
  SELECT t.root, i.inhrelid FROM tree t JOIN pg_catalog.pg_inherits i ON i.inhparent = t.node
  JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid WHERE c.relkind = 'p'
)
SELECT rn.nspname AS schema, r.relname AS table, bool_or(k.attnum = 0)::text AS expression,
       COALESCE(array_to_json(array_agg(DISTINCT a.attname) FILTER (WHERE a.attname IS NOT NULL)), '[]')::text AS columns
FROM tree t
JOIN pg_catalog.pg_partitioned_table pt ON pt.partrelid = t.node
CROSS JOIN LATERAL unnest(pt.partattrs::int2[]) AS k(attnum)
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = t.node AND a.attnum = k.attnum AND k.attnum > 0
JOIN pg_catalog.pg_class r ON r.oid = t.root JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
GROUP BY rn.nspname, r.relname`;

const RELATION_KINDS: Record<string, PgTable['kind']> = {
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
};

/** Reads the catalog of the given schemas in four queries, whatever the connection's `search_path`. */
export async function readPgCatalog(db: PgDatabase, schemas: readonly string[]): Promise<PgCatalog> {
  const [columns, keys, descendants, partitionedBy] = await Promise.all([
    db.query<ColumnRow>(COLUMNS_SQL, [schemas]),
    db.query<KeyRow>(KEYS_SQL, [schemas]),
    db.query<{
      schema: string;
      table: string;
      table_kind: string;
      child_schema: string;
      child: string;
      child_kind: string;
    }>(DESCENDANTS_SQL, [schemas]),
    db.query<{ schema: string; table: string; expression: string; columns: string }>(PARTITIONED_BY_SQL, [
      schemas,
    ]),
  ]);
  // A partitioned table's leaf partitions; a table's (or foreign table's) child tables.
  const partitions = descendants.rows.filter(
    (r) => r.table_kind === 'p' && (r.child_kind === 'r' || r.child_kind === 'f'),
  );
  const inheritedBy = descendants.rows.filter((r) => r.table_kind !== 'p');
  const tables = new Map<
    string,
    {
      schema: string;
      name: string;
      kind?: PgTable['kind'];
      columns: PgColumn[];
      primaryKey?: string[];
      uniqueKeys: string[][];
    }
  >();
  for (const row of columns.rows) {
    const id = `${row.schema}.${row.table}`;
    let table = tables.get(id);
    if (!table) {
      const kind = RELATION_KINDS[row.relkind];
      table = { schema: row.schema, name: row.table, ...(kind ? { kind } : {}), columns: [], uniqueKeys: [] };
      tables.set(id, table);
    }
    table.columns.push({
      name: row.column,
      ordinal: Number(row.ordinal),
      typeOid: Number(row.type_oid),
      typeName: row.type_name,
      castType: row.cast_type,
      category: row.category,
      notNull: row.not_null === 't' || row.not_null === 'true',
      ...(row.not_null_unvalidated === 't' || row.not_null_unvalidated === 'true'
        ? { notNullUnvalidated: true as const }
        : {}),
      ...(row.generated === 't' || row.generated === 'true' ? { generated: true as const } : {}),
      ...(row.computed_from ? { computedFrom: JSON.parse(row.computed_from) as string[] } : {}),
      ...(row.element_oid && row.element_category
        ? { element: { typeOid: Number(row.element_oid), category: row.element_category } }
        : {}),
      ...(row.nondeterministic_collation
        ? { nondeterministicCollation: Number(row.nondeterministic_collation) }
        : {}),
      ...(row.in_foreign_key === 't' || row.in_foreign_key === 'true' ? { inForeignKey: true as const } : {}),
      ...(row.collation_locale !== null && TURKIC.test(row.collation_locale)
        ? { caseCollation: row.root_collation === 't' || row.root_collation === 'true' ? 'und-x-icu' : null }
        : {}),
    });
  }
  for (const row of keys.rows) {
    const table = tables.get(`${row.schema}.${row.table}`);
    if (!table) continue;
    const keyColumns = JSON.parse(row.columns) as string[];
    table.uniqueKeys.push(keyColumns);
    if (row.is_primary === 't' || row.is_primary === 'true') table.primaryKey = keyColumns;
  }
  const partitionsOf = new Map<string, PgPartition[]>();
  for (const row of partitions) {
    const parent = `${row.schema}.${row.table}`;
    const name = `${row.child_schema}.${row.child}`;
    // A partition in a schema not read is not known here: the parent then shows no shared key.
    const part = tables.get(name);
    const list = partitionsOf.get(parent) ?? [];
    partitionsOf.set(parent, list);
    list.push({
      name,
      primaryKey: part?.primaryKey,
      uniqueKeys: part?.uniqueKeys ?? [],
      notNull: part?.columns.filter(neverNull).map((c) => c.name) ?? [],
    });
  }
  const partitionedByOf = new Map(
    partitionedBy.rows.map((r) => [
      `${r.schema}.${r.table}`,
      {
        columns: (JSON.parse(r.columns) as string[]).sort(),
        expression: r.expression === 't' || r.expression === 'true',
      },
    ]),
  );
  const inheritedByOf = new Map<string, string[]>();
  for (const r of inheritedBy) {
    const parent = `${r.schema}.${r.table}`;
    inheritedByOf.set(parent, [...(inheritedByOf.get(parent) ?? []), `${r.child_schema}.${r.child}`]);
  }
  return {
    tables: new Map(
      [...tables].map(([id, t]) => [
        id,
        {
          ...t,
          primaryKey: t.primaryKey,
          uniqueKeys: t.uniqueKeys,
          ...(partitionsOf.has(id) ? { partitions: partitionsOf.get(id) } : {}),
          ...(partitionedByOf.has(id) ? { partitionedBy: partitionedByOf.get(id) } : {}),
          ...(inheritedByOf.has(id) ? { inheritedBy: inheritedByOf.get(id) } : {}),
        },
      ]),
    ),
  };
}

/** Whether a column holds no NULL: NOT NULL, and not a constraint added `NOT VALID`. */
export function neverNull(column: PgColumn): boolean {
  return column.notNull && column.notNullUnvalidated !== true;
}
