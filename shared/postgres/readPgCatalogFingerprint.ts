import type { PgDatabase } from './PgDatabase';

/**
 * One digest over what `readPgCatalog` reads for the given schemas: their relations and those
 * relations' descendants by inheritance or partitioning in any schema (name, kind, number of
 * columns), every column (name, type, modifier, NOT NULL, generated, identity, collation, dropped),
 * index (unique, primary, valid, ready, live, columns, collations, partial or on expressions),
 * constraint (kind, validated, columns), inheritance link and partitioning scheme. Equal digests:
 * nothing `readPgCatalog` reads has changed.
 */
const FINGERPRINT_SQL = `
WITH RECURSIVE rel(oid) AS (
  SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  UNION
  SELECT i.inhrelid FROM rel JOIN pg_catalog.pg_inherits i ON i.inhparent = rel.oid
)
SELECT md5(concat_ws('|',
  (SELECT string_agg(concat_ws(',', c.oid, c.relname, c.relnamespace, c.relkind, c.relnatts, c.relispartition), ';' ORDER BY c.oid)
     FROM pg_catalog.pg_class c WHERE c.oid IN (SELECT oid FROM rel)),
  (SELECT string_agg(concat_ws(',', a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull,
       a.attgenerated, a.attidentity, a.attcollation, a.attisdropped), ';' ORDER BY a.attrelid, a.attnum)
     FROM pg_catalog.pg_attribute a WHERE a.attrelid IN (SELECT oid FROM rel) AND a.attnum > 0),
  (SELECT string_agg(concat_ws(',', i.indexrelid, i.indrelid, i.indisunique, i.indisprimary, i.indisvalid,
       i.indisready, i.indislive, i.indkey::text, i.indcollation::text, i.indpred IS NULL, i.indexprs IS NULL), ';' ORDER BY i.indexrelid)
     FROM pg_catalog.pg_index i WHERE i.indrelid IN (SELECT oid FROM rel)),
  (SELECT string_agg(concat_ws(',', co.oid, co.conname, co.contype, co.convalidated, co.conkey::text), ';' ORDER BY co.oid)
     FROM pg_catalog.pg_constraint co WHERE co.conrelid IN (SELECT oid FROM rel)),
  (SELECT string_agg(concat_ws(',', i.inhrelid, i.inhparent, i.inhseqno), ';' ORDER BY i.inhrelid, i.inhparent)
     FROM pg_catalog.pg_inherits i WHERE i.inhrelid IN (SELECT oid FROM rel) OR i.inhparent IN (SELECT oid FROM rel)),
  (SELECT string_agg(concat_ws(',', pt.partrelid, pt.partstrat, pt.partattrs::text, pt.partexprs IS NULL), ';' ORDER BY pt.partrelid)
     FROM pg_catalog.pg_partitioned_table pt WHERE pt.partrelid IN (SELECT oid FROM rel))
)) AS fingerprint`;

/**
 * A digest of the catalog `readPgCatalog` reads for `schemas`, in one query: a process that lives
 * on asks it before each request and reads the whole catalog again only when it changed.
 */
export async function readPgCatalogFingerprint(db: PgDatabase, schemas: readonly string[]): Promise<string> {
  const { rows } = await db.query<{ fingerprint: string }>(FINGERPRINT_SQL, [schemas]);
  return rows[0]?.fingerprint ?? '';
}
