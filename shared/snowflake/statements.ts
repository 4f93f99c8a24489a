import { quoteSnowflakeIdent as q, quoteSnowflakeName } from './quoteSnowflakeIdent';

/**
 * Every SQL statement the product sends to Snowflake. Identifiers are always quoted and come only
 * from the validated data map or configuration; values are always binds.
 */

/** Where the evidence set lands. */
export interface LoadLocation {
  readonly database: string;
  readonly schema: string;
}

const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/**
 * The columns of the named tables of one database's schema, from `INFORMATION_SCHEMA.COLUMNS`
 * (names as stored, so a quoted mixed-case name is found too). Binds: the schema, then each table.
 * Without tables: every table of the schema (to suggest close matches for a name that is missing).
 * https://docs.snowflake.com/en/sql-reference/info-schema/columns
 */
export function catalogColumnsSql(database: string, tableCount: number): string {
  const tables = tableCount > 0 ? ` AND TABLE_NAME IN (${placeholders(tableCount)})` : '';
  return (
    'SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, ' +
    'CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE ' +
    `FROM ${q(database)}.INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ?${tables} ` +
    'ORDER BY TABLE_NAME, ORDINAL_POSITION'
  );
}

/** A search over one data-map table: the pieces {@link searchSql} assembles. */
export interface SearchStatement {
  /** `DATABASE.SCHEMA.TABLE`. */
  readonly table: string;
  /** Columns returned, as the catalog spells them. */
  readonly columns: readonly string[];
  /** The matched expression over the quoted column, e.g. `LOWER("EMAIL")`. */
  readonly match: string;
  /** How each bound value is written, e.g. `?` or `CAST(? AS NUMBER(38,0))`. */
  readonly value: string;
  readonly valueCount: number;
  /** Primary-key columns, in the data map's order, and how a bound key value is written for each. */
  readonly key: readonly { readonly column: string; readonly value: string }[];
  /** Whether the page starts after a key (keyset paging). */
  readonly after: boolean;
  readonly limit: number;
  /** Rows skipped: pages of a keyless table (empty `key`), which is ordered by all its columns. */
  readonly offset?: number;
}

/**
 * `SELECT … FROM "D"."S"."T" WHERE <match> IN (?, …) [AND <key after ?>] ORDER BY <key> LIMIT n`;
 * for a keyless table `… ORDER BY <every column> LIMIT n OFFSET m`.
 * Keyset paging spells the row comparison out (`k1 > ? OR (k1 = ? AND k2 > ?)`): binds are the
 * values, then for each key column i the previous i key values and the i-th.
 */
export function searchSql(s: SearchStatement): string {
  if (!Number.isInteger(s.limit) || s.limit < 1) throw new RangeError(`limit must be ≥ 1 (given ${s.limit})`);
  const values = Array.from({ length: s.valueCount }, () => s.value).join(', ');
  const keyset = s.after
    ? ` AND (${s.key
        .map((k, i) =>
          [
            ...s.key.slice(0, i).map((p) => `${q(p.column)} = ${p.value}`),
            `${q(k.column)} > ${k.value}`,
          ].join(' AND '),
        )
        .map((term) => `(${term})`)
        .join(' OR ')})`
    : '';
  // Without a key, ordering by every column returned is a total order up to identical rows, which
  // are interchangeable, so LIMIT/OFFSET pages neither skip nor repeat a distinct row.
  const order = (s.key.length > 0 ? s.key.map((k) => k.column) : s.columns).map(q).join(', ');
  const offset = s.key.length === 0 && s.offset ? ` OFFSET ${s.offset}` : '';
  if (s.offset !== undefined && (!Number.isInteger(s.offset) || s.offset < 0))
    throw new RangeError(`offset must be ≥ 0 (given ${s.offset})`);
  return (
    `SELECT ${s.columns.map(q).join(', ')} FROM ${quoteSnowflakeName(s.table)} ` +
    `WHERE ${s.match} IN (${values})${keyset} ORDER BY ${order} LIMIT ${s.limit}${offset}`
  );
}

/** Binds of a keyset page after `key` (values in key order): see {@link searchSql}. */
export function keysetBinds(key: readonly string[]): string[] {
  return key.flatMap((_, i) => key.slice(0, i + 1));
}

const findings = (at: LoadLocation): string => `${q(at.database)}.${q(at.schema)}.${q('DSR_FINDINGS')}`;
const ledger = (at: LoadLocation): string => `${q(at.database)}.${q(at.schema)}.${q('DSR_LEDGER')}`;

/** The evidence table: one row per finding per request. */
export function createFindingsTableSql(at: LoadLocation): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${findings(at)} (` +
    '"REQUEST_ID" VARCHAR NOT NULL, "SYSTEM" VARCHAR NOT NULL, "TABLE_NAME" VARCHAR NOT NULL, ' +
    '"ROW_KEY" VARCHAR NOT NULL, "ROW" VARIANT, "ROW_HASH" VARCHAR(64) NOT NULL, ' +
    '"EVIDENCE_HASH" VARCHAR(64) NOT NULL, "DISCOVERED_AT" TIMESTAMP_TZ NOT NULL, "LOADED_AT" TIMESTAMP_TZ NOT NULL, ' +
    '"PROVENANCE" VARIANT)'
  );
}

/**
 * Adds the PROVENANCE column to a findings table created before findings carried it.
 * https://docs.snowflake.com/en/sql-reference/sql/alter-table-column
 */
export function addFindingsProvenanceSql(at: LoadLocation): string {
  return `ALTER TABLE ${findings(at)} ADD COLUMN IF NOT EXISTS "PROVENANCE" VARIANT`;
}

/**
 * Lands one finding per bound row, keyed on (request id, system, table, row key): a row already
 * there is left as it is, so a retry or a duplicate delivery adds nothing. The row is bound as its
 * canonical JSON and parsed by `PARSE_JSON`, so nested structure and exact digits survive.
 * Binds per row: request id, system, table, row key, row JSON, row hash, evidence hash, discovered at (ISO),
 * provenance JSON.
 * https://docs.snowflake.com/en/sql-reference/sql/merge
 */
export function mergeFindingsSql(at: LoadLocation): string {
  return (
    `MERGE INTO ${findings(at)} AS t USING (SELECT ? AS "REQUEST_ID", ? AS "SYSTEM", ? AS "TABLE_NAME", ` +
    '? AS "ROW_KEY", ? AS "ROW_JSON", ? AS "ROW_HASH", ? AS "EVIDENCE_HASH", ? AS "DISCOVERED_AT", ' +
    '? AS "PROVENANCE_JSON") AS s ' +
    'ON t."REQUEST_ID" = s."REQUEST_ID" AND t."SYSTEM" = s."SYSTEM" AND t."TABLE_NAME" = s."TABLE_NAME" ' +
    'AND t."ROW_KEY" = s."ROW_KEY" ' +
    'WHEN NOT MATCHED THEN INSERT ("REQUEST_ID", "SYSTEM", "TABLE_NAME", "ROW_KEY", "ROW", "ROW_HASH", ' +
    '"EVIDENCE_HASH", "DISCOVERED_AT", "LOADED_AT", "PROVENANCE") VALUES (s."REQUEST_ID", s."SYSTEM", ' +
    's."TABLE_NAME", s."ROW_KEY", PARSE_JSON(s."ROW_JSON"), s."ROW_HASH", s."EVIDENCE_HASH", ' +
    'TO_TIMESTAMP_TZ(s."DISCOVERED_AT"), CURRENT_TIMESTAMP(), PARSE_JSON(s."PROVENANCE_JSON"))'
  );
}

/** A request's loaded findings. Binds: request id. */
export function selectFindingsSql(at: LoadLocation): string {
  return (
    'SELECT "SYSTEM", "TABLE_NAME", "ROW_KEY", "ROW", "ROW_HASH", "EVIDENCE_HASH", "DISCOVERED_AT", "LOADED_AT", ' +
    '"PROVENANCE" ' +
    `FROM ${findings(at)} WHERE "REQUEST_ID" = ? ORDER BY "SYSTEM", "TABLE_NAME", "ROW_KEY"`
  );
}

/** The request ledger: one row per (request, state, stage). */
export function createLedgerTableSql(at: LoadLocation): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${ledger(at)} (` +
    '"REQUEST_ID" VARCHAR NOT NULL, "STATE" VARCHAR NOT NULL, "STAGE" VARCHAR NOT NULL, ' +
    '"EVENT_TIME" TIMESTAMP_TZ NOT NULL, "TRACE_ID" VARCHAR, "DETAIL" VARIANT)'
  );
}

/**
 * Appends a ledger entry keyed on (request id, state, stage); a duplicate adds nothing.
 * Binds: request id, state, stage, time (ISO), trace id, detail JSON.
 */
export function mergeLedgerSql(at: LoadLocation): string {
  return (
    `MERGE INTO ${ledger(at)} AS t USING (SELECT ? AS "REQUEST_ID", ? AS "STATE", ? AS "STAGE", ` +
    '? AS "EVENT_TIME", ? AS "TRACE_ID", ? AS "DETAIL_JSON") AS s ' +
    'ON t."REQUEST_ID" = s."REQUEST_ID" AND t."STATE" = s."STATE" AND t."STAGE" = s."STAGE" ' +
    'WHEN NOT MATCHED THEN INSERT ("REQUEST_ID", "STATE", "STAGE", "EVENT_TIME", "TRACE_ID", "DETAIL") ' +
    'VALUES (s."REQUEST_ID", s."STATE", s."STAGE", TO_TIMESTAMP_TZ(s."EVENT_TIME"), s."TRACE_ID", ' +
    'PARSE_JSON(s."DETAIL_JSON"))'
  );
}

/** A request's ledger, oldest first. Binds: request id. */
export function selectLedgerSql(at: LoadLocation): string {
  return (
    'SELECT "REQUEST_ID", "STATE", "STAGE", "EVENT_TIME", "TRACE_ID", "DETAIL" ' +
    `FROM ${ledger(at)} WHERE "REQUEST_ID" = ? ORDER BY "EVENT_TIME", "STAGE", "STATE"`
  );
}
