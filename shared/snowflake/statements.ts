import { InvalidArgumentError } from '../errors/errors';
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
  if (!Number.isInteger(s.limit) || s.limit < 1)
    throw new InvalidArgumentError(`limit must be ≥ 1 (given ${s.limit})`);
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
    throw new InvalidArgumentError(`offset must be ≥ 0 (given ${s.offset})`);
  return (
    `SELECT ${s.columns.map(q).join(', ')} FROM ${quoteSnowflakeName(s.table)} ` +
    `WHERE ${s.match} IN (${values})${keyset} ORDER BY ${order} LIMIT ${s.limit}${offset}`
  );
}

/**
 * Rows per searched value: `SELECT <match> AS "V", COUNT(*) AS "N" FROM "D"."S"."T" WHERE <match>
 * IN (?, …) GROUP BY 1`, with the search's own match (a value absent from the table is absent from
 * the answer). Snowflake has no index to bound this by: it prunes micro-partitions as the search
 * does, and reads what the search reads.
 */
export function countMatchesSql(
  s: Pick<SearchStatement, 'table' | 'match' | 'value' | 'valueCount'>,
): string {
  const values = Array.from({ length: s.valueCount }, () => s.value).join(', ');
  return (
    `SELECT ${s.match} AS "V", COUNT(*) AS "N" FROM ${quoteSnowflakeName(s.table)} ` +
    `WHERE ${s.match} IN (${values}) GROUP BY 1`
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
 * The format every timestamp is bound in, given explicitly so the account's or session's
 * `TIMESTAMP_INPUT_FORMAT` cannot change how it is read. Bind values with {@link timestampBind}.
 * https://docs.snowflake.com/en/sql-reference/functions/to_timestamp
 * https://docs.snowflake.com/en/sql-reference/date-time-input-output#timestamp-formats
 */
export const TIMESTAMP_BIND_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.FF3TZH:TZM';

/** A time as {@link TIMESTAMP_BIND_FORMAT} reads it: UTC ISO-8601 with an explicit `+00:00`. */
export function timestampBind(time: Date): string {
  return `${time.toISOString().slice(0, -1)}+00:00`;
}

/**
 * The source of a bulk MERGE: one bind holding a JSON array of the batch, one element per row,
 * expanded by `TABLE(FLATTEN(INPUT => PARSE_JSON(?)))`. Snowflake documents array binding for
 * INSERT only (the other drivers fall back to one execution per row when the server answers
 * `arrayBindSupported: false`; the Node driver does not), so a MERGE takes its batch as one value.
 * `QUALIFY ROW_NUMBER() … = 1` keeps the first element of each key, so a batch that repeats a key
 * cannot make the MERGE nondeterministic (a MERGE whose source joins one target row twice is).
 * https://docs.snowflake.com/en/developer-guide/sql-api/submitting-requests#using-bind-variables-in-a-statement
 * https://docs.snowflake.com/en/sql-reference/functions/flatten
 * https://docs.snowflake.com/en/sql-reference/sql/merge#duplicate-join-behavior
 * https://docs.snowflake.com/en/sql-reference/constructs/qualify
 */
function flattenSource(columns: readonly (readonly [string, string])[], key: readonly string[]): string {
  return (
    `(SELECT ${columns.map(([name, expr]) => `${expr} AS ${q(name)}`).join(', ')} ` +
    'FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) AS f ' +
    `QUALIFY ROW_NUMBER() OVER (PARTITION BY ${key.map(q).join(', ')} ORDER BY f.index) = 1) AS s`
  );
}

const text = (field: string): string => `f.value:"${field}"::VARCHAR`;
/**
 * A JSON document carried as text inside the element and parsed on its own: the same conversion as
 * binding the text and calling `PARSE_JSON(?)`, so a value's digits are read from the canonical
 * text, never from a re-serialised sub-document.
 */
const json = (field: string): string => `PARSE_JSON(${text(field)})`;
const time = (field: string): string => `TO_TIMESTAMP_TZ(${text(field)}, '${TIMESTAMP_BIND_FORMAT}')`;

/**
 * The fields of one element of a findings batch (see {@link mergeFindingsSql}); each becomes the
 * column of the same position. A new column is one line here and one in the loader.
 */
export const FINDING_FIELDS = [
  ['REQUEST_ID', text('requestId')],
  ['SYSTEM', text('system')],
  ['TABLE_NAME', text('table')],
  ['ROW_KEY', text('rowKey')],
  ['ROW', json('row')],
  ['ROW_HASH', text('rowHash')],
  ['EVIDENCE_HASH', text('evidenceHash')],
  ['DISCOVERED_AT', time('discoveredAt')],
  ['PROVENANCE', json('provenance')],
] as const;

const FINDING_KEY = ['REQUEST_ID', 'SYSTEM', 'TABLE_NAME', 'ROW_KEY'] as const;

/**
 * Lands a batch of findings, keyed on (request id, system, table, row key): a row already there is
 * left as it is, so a retry or a duplicate delivery adds nothing. One bind: the batch as a JSON
 * array of `{ requestId, system, table, rowKey, row, rowHash, evidenceHash, discoveredAt, provenance }`
 * (`discoveredAt` in {@link TIMESTAMP_BIND_FORMAT}); `row` is the finding's canonical row JSON as a
 * string, parsed by `PARSE_JSON` into the VARIANT, and so is `provenance` (how the row was reached). Keep the bound JSON well under 16 MB (the limit of a bound value
 * and of a VARIANT). https://docs.snowflake.com/en/sql-reference/sql/merge
 */
export function mergeFindingsSql(at: LoadLocation): string {
  const names = FINDING_FIELDS.map(([name]) => q(name));
  return (
    `MERGE INTO ${findings(at)} AS t USING ${flattenSource(FINDING_FIELDS, FINDING_KEY)} ` +
    `ON ${FINDING_KEY.map((k) => `t.${q(k)} = s.${q(k)}`).join(' AND ')} ` +
    `WHEN NOT MATCHED THEN INSERT (${names.join(', ')}, "LOADED_AT") ` +
    `VALUES (${names.map((n) => `s.${n}`).join(', ')}, CURRENT_TIMESTAMP())`
  );
}

/**
 * One finding with plain binds, one statement per row: the shape the bulk MERGE replaces, kept for
 * the loading benchmark. Binds: the {@link FINDING_FIELDS} in order, row as JSON text.
 */
export function insertFindingRowSql(at: LoadLocation): string {
  const names = FINDING_FIELDS.map(([name]) => q(name));
  return (
    `INSERT INTO ${findings(at)} (${names.join(', ')}, "LOADED_AT") SELECT ?, ?, ?, ?, PARSE_JSON(?), ?, ?, ` +
    `TO_TIMESTAMP_TZ(?, '${TIMESTAMP_BIND_FORMAT}'), PARSE_JSON(?), CURRENT_TIMESTAMP()`
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

/**
 * One page of a request's loaded findings, after the last row of the previous page (keyset
 * pagination on the table's key, which is unique per request): at most `limit` rows, in
 * the order of {@link selectFindingsSql}. Binds: request id, then the previous page's last system,
 * system, table, table, row key (the first page passes empty strings: every system name sorts after).
 * https://docs.snowflake.com/en/sql-reference/constructs/limit
 */
export function selectFindingsPageSql(at: LoadLocation, limit: number): string {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000)
    throw new RangeError(`limit must be an integer from 1 to 1000000 (given ${limit})`);
  return (
    'SELECT "SYSTEM", "TABLE_NAME", "ROW_KEY", "ROW", "ROW_HASH", "EVIDENCE_HASH", "DISCOVERED_AT", "LOADED_AT", ' +
    '"PROVENANCE" ' +
    `FROM ${findings(at)} WHERE "REQUEST_ID" = ? AND ("SYSTEM" > ? OR ("SYSTEM" = ? AND ("TABLE_NAME" > ? OR ` +
    `("TABLE_NAME" = ? AND "ROW_KEY" > ?)))) ORDER BY "SYSTEM", "TABLE_NAME", "ROW_KEY" LIMIT ${limit}`
  );
}

/** The request ledger: one row per (request, state, stage). */
export function createLedgerTableSql(at: LoadLocation): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${ledger(at)} (` +
    '"REQUEST_ID" VARCHAR NOT NULL, "STATE" VARCHAR NOT NULL, "STAGE" VARCHAR NOT NULL, ' +
    '"EVENT_TIME" TIMESTAMP_TZ NOT NULL, "TRACE_ID" VARCHAR, "DETAIL" VARIANT, ' +
    '"SEQ" NUMBER(38,0), "PREV_HASH" VARCHAR, "ENTRY_HASH" VARCHAR)'
  );
}

/**
 * Adds the hash-chain columns to a ledger made before them (its entries stay unchained).
 * https://docs.snowflake.com/en/sql-reference/sql/alter-table (ADD COLUMN IF NOT EXISTS)
 */
export function addLedgerChainSql(at: LoadLocation): string {
  return (
    `ALTER TABLE ${ledger(at)} ADD COLUMN IF NOT EXISTS ` +
    '"SEQ" NUMBER(38,0), "PREV_HASH" VARCHAR, "ENTRY_HASH" VARCHAR'
  );
}

/** The fields of one element of a ledger batch (see {@link mergeLedgerSql}). */
export const LEDGER_FIELDS = [
  ['REQUEST_ID', text('requestId')],
  ['STATE', text('state')],
  ['STAGE', text('stage')],
  ['EVENT_TIME', time('at')],
  ['TRACE_ID', text('traceId')],
  ['DETAIL', json('detail')],
  ['SEQ', `${text('seq')}::NUMBER(38,0)`],
  ['PREV_HASH', text('prevHash')],
  ['ENTRY_HASH', text('entryHash')],
] as const;

const LEDGER_KEY = ['REQUEST_ID', 'STATE', 'STAGE'] as const;

/**
 * Appends ledger entries keyed on (request id, state, stage); a duplicate adds nothing. One bind:
 * a JSON array of `{ requestId, state, stage, at, traceId?, detail? }` (`detail` as JSON text; `at` in
 * {@link TIMESTAMP_BIND_FORMAT}), expanded as in {@link mergeFindingsSql}.
 */
export function mergeLedgerSql(at: LoadLocation): string {
  const names = LEDGER_FIELDS.map(([name]) => q(name));
  const fields = [...LEDGER_FIELDS, ['FIRST_SEQ', `${text('firstSeq')}::NUMBER(38,0)`] as const];
  // Compare-and-append: when any entry of the request already holds a position at or after the
  // batch's first, another writer appended since this one read the chain, and nothing is inserted
  // (MERGEs on one table do not run in parallel); the writer reads again and re-chains.
  return (
    `MERGE INTO ${ledger(at)} AS t USING ${flattenSource(fields, LEDGER_KEY)} ` +
    `ON t."REQUEST_ID" = s."REQUEST_ID" AND ((t."STATE" = s."STATE" AND t."STAGE" = s."STAGE") OR t."SEQ" >= s."FIRST_SEQ") ` +
    `WHEN NOT MATCHED THEN INSERT (${names.join(', ')}) VALUES (${names.map((n) => `s.${n}`).join(', ')})`
  );
}

/** A request's ledger, oldest first. Binds: request id. */
export function selectLedgerSql(at: LoadLocation): string {
  return `SELECT ${LEDGER_COLUMNS} FROM ${ledger(at)} WHERE "REQUEST_ID" = ? ORDER BY "EVENT_TIME", "STAGE", "STATE"`;
}

const LEDGER_COLUMNS =
  '"REQUEST_ID", "STATE", "STAGE", "EVENT_TIME", "TRACE_ID", "DETAIL", "SEQ", "PREV_HASH", "ENTRY_HASH"';

/** Every entry of every request, by request and chain position; unchained entries first, by time. */
export function selectAllLedgerSql(at: LoadLocation): string {
  return `SELECT ${LEDGER_COLUMNS} FROM ${ledger(at)} ORDER BY "REQUEST_ID", "SEQ" NULLS FIRST, "EVENT_TIME", "STAGE", "STATE"`;
}

/** The latest chained entry of each request: what a daily anchor covers. */
export function selectLedgerHeadsSql(at: LoadLocation): string {
  return (
    `SELECT "REQUEST_ID", "SEQ", "ENTRY_HASH" FROM ${ledger(at)} WHERE "SEQ" IS NOT NULL ` +
    'QUALIFY ROW_NUMBER() OVER (PARTITION BY "REQUEST_ID" ORDER BY "SEQ" DESC) = 1 ORDER BY "REQUEST_ID"'
  );
}

/**
 * Who the session is: `CURRENT_USER()` (the user's name as stored) and `CURRENT_ROLE()` (the
 * primary role; NULL when it is a database role). What an operator's approval records.
 * https://docs.snowflake.com/en/sql-reference/functions/current_user
 * https://docs.snowflake.com/en/sql-reference/functions/current_role
 */
export function sessionIdentitySql(): string {
  return 'SELECT CURRENT_USER() AS "USER_NAME", CURRENT_ROLE() AS "ROLE_NAME"';
}

const erasureReceipts = (at: LoadLocation): string =>
  `${q(at.database)}.${q(at.schema)}.${q('DSR_ERASURE_RECEIPTS')}`;

/**
 * The erasure receipts, beside `DSR_LEDGER`: one row per request. `RECEIPT` is the receipt's
 * canonical JSON as VARCHAR, not a VARIANT: a VARIANT is re-serialised when read (Snowflake keeps
 * no key order of its own and holds numbers as NUMBER or DOUBLE), so its text is not guaranteed to
 * be the bytes that were hashed; a VARCHAR gives back exactly what was written, which the receipt
 * hash is checked against. (The findings' `ROW` is a VARIANT because it is queried; it is read
 * back through `canonicalJson`, never compared as text.)
 * https://docs.snowflake.com/en/sql-reference/data-types-semistructured#variant
 */
export function createErasureReceiptsTableSql(at: LoadLocation): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${erasureReceipts(at)} (` +
    '"REQUEST_ID" VARCHAR NOT NULL, "SUBJECT_HASH" VARCHAR(64) NOT NULL, "OUTCOME" VARCHAR NOT NULL, ' +
    '"COMPLETED_AT" TIMESTAMP_TZ NOT NULL, "RECEIPT_HASH" VARCHAR(64) NOT NULL, "RECEIPT" VARCHAR NOT NULL, ' +
    '"WRITTEN_AT" TIMESTAMP_TZ NOT NULL)'
  );
}

/**
 * Stores a receipt unless the request has one: a redelivery keeps the first. Binds: request id,
 * subject hash, outcome, completed at ({@link TIMESTAMP_BIND_FORMAT}), receipt hash, receipt text.
 * https://docs.snowflake.com/en/sql-reference/sql/merge
 */
export function mergeErasureReceiptSql(at: LoadLocation): string {
  return (
    `MERGE INTO ${erasureReceipts(at)} AS t USING (SELECT ? AS "REQUEST_ID", ? AS "SUBJECT_HASH", ` +
    `? AS "OUTCOME", TO_TIMESTAMP_TZ(?, '${TIMESTAMP_BIND_FORMAT}') AS "COMPLETED_AT", ? AS "RECEIPT_HASH", ` +
    '? AS "RECEIPT") AS s ON t."REQUEST_ID" = s."REQUEST_ID" ' +
    'WHEN NOT MATCHED THEN INSERT ("REQUEST_ID", "SUBJECT_HASH", "OUTCOME", "COMPLETED_AT", "RECEIPT_HASH", ' +
    '"RECEIPT", "WRITTEN_AT") VALUES (s."REQUEST_ID", s."SUBJECT_HASH", s."OUTCOME", s."COMPLETED_AT", ' +
    's."RECEIPT_HASH", s."RECEIPT", CURRENT_TIMESTAMP())'
  );
}

/** A request's stored receipt. Binds: request id. */
export function selectErasureReceiptSql(at: LoadLocation): string {
  return `SELECT "REQUEST_ID", "RECEIPT_HASH", "RECEIPT" FROM ${erasureReceipts(at)} WHERE "REQUEST_ID" = ?`;
}
