import type { IPolicy } from 'cockatiel';
import type { CanonicalObject, CanonicalRow } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { needsJsonEscape } from '../canonical/needsJsonEscape';
import { UnreadableValueError } from '../canonical/UnreadableValueError';
import type { DataMap } from '../datamap/dataMapSchema';
import { keylessRowKeys } from '../discovery/keylessRowKeys';
import type {
  FoundRow,
  RowForm,
  SearchableTable,
  SearchInput,
  TableSearcher,
  UnreadableRow,
} from '../discovery/SearchableTable';
import { DataMapError, InvalidArgumentError } from '../errors/errors';
import type { Normalization } from '../identity/Normalization';
import { boundSearchValues, tallyPhoneNumbers } from '../identity/normalizePhone';
import { acceptsValue, searchFormOf } from './acceptsValue';
import { canonicalizePgValue } from './canonicalizePgValue';
import { checkPostgresCatalog } from './checkPostgresCatalog';
import { connectionFaultRetry } from './connectionFaultRetry';
import { RowSecurityError } from './errors';
import { matchExpression } from './matchExpression';
import type { PgDatabase } from './PgDatabase';
import type { PgTypeInfo } from './PgTypeInfo';
import { quoteIdent } from './quoteIdent';
import { type PgCatalog, type PgColumn, type PgTable, readPgCatalog } from './readPgCatalog';
import { readPgCatalogFingerprint } from './readPgCatalogFingerprint';
import { rowJsonFromText } from './rowJsonFromText';
import { rowSecurityActive } from './rowSecurityActive';
import { selectColumnSql } from './selectColumnSql';

export interface PostgresSearchOptions {
  /** Rows of a search's first keyset page (and of each keyless FETCH). @default 1000 */
  readonly pageSize?: number;
  /**
   * Rows a keyset page may grow to: after a full page whose text took less than
   * {@link GROW_BELOW_BYTES}, the next asks for twice as many rows, up to this. @default 64 × `pageSize`
   */
  readonly maxPageSize?: number;
  /** Values bound in one query; larger lists are split. @default 5000 */
  readonly valuesPerQuery?: number;
  /** Retries a page after a lost connection. @default {@link connectionFaultRetry} */
  readonly retry?: IPolicy;
}

/**
 * Searches PostgreSQL tables of the data map. Values are bind parameters (`= ANY($1)`), names are
 * quoted identifiers from the validated map, and results are paged by primary key (keyset), so a
 * subject with a million rows holds a pooled client for one page at a time.
 *
 * A keyless table has no key to page by: its matches are read through a cursor inside one READ
 * ONLY, REPEATABLE READ transaction (one snapshot), `pageSize` rows per FETCH, and keyed by
 * `keylessRowKeys` (each meeting by the row's hash, the search and its place; the sink numbers the
 * identical copies). That search holds one client until its last page; a lost connection restarts
 * it from the first row as a new search, whose copies number the same again.
 */
export class PostgresTableSearcher implements TableSearcher {
  private readonly pageSize: number;
  private readonly maxPageSize: number;
  private readonly valuesPerQuery: number;
  private readonly retry: IPolicy;
  /** The digest of the catalog last read (`readPgCatalogFingerprint`), read before it. */
  private fingerprint = '';

  private constructor(
    private readonly db: PgDatabase,
    private catalog: PgCatalog,
    /** `schema.table` of the tables the data map names. */
    private readonly mapped: readonly string[],
    options: PostgresSearchOptions,
    private readonly map: DataMap,
    private readonly file: string,
  ) {
    this.pageSize = options.pageSize ?? 1000;
    this.maxPageSize = Math.max(this.pageSize, options.maxPageSize ?? 64 * this.pageSize);
    this.valuesPerQuery = options.valuesPerQuery ?? 5000;
    this.retry = options.retry ?? connectionFaultRetry();
  }

  /**
   * Reads the live catalog of the schemas the data map names and checks the map against it before
   * any search runs; throws {@link DataMapError} listing every mismatch.
   */
  static async create(
    db: PgDatabase,
    map: DataMap,
    file: string,
    options: PostgresSearchOptions = {},
  ): Promise<PostgresTableSearcher> {
    const fingerprint = await readPgCatalogFingerprint(db, schemasOf(map));
    const catalog = await readCheckedCatalog(db, map, file);
    const searcher = new PostgresTableSearcher(
      db,
      catalog,
      map.postgres.map((t) => t.table),
      options,
      map,
      file,
    );
    searcher.fingerprint = fingerprint;
    return searcher;
  }

  /**
   * Asks whether the catalog changed since it was last read (one query: `readPgCatalogFingerprint`)
   * and, when it did, reads it again, checks the data map against it and searches with it from then
   * on: a process that lives on (a warm Lambda container, `dsr up`) returns a column added since it
   * started, and a column dropped since then no longer fails every search until it restarts.
   * Throws {@link DataMapError} when the map no longer matches (the catalog read before stays, and
   * the next call checks again). Resolves whether the catalog was read again.
   */
  async refreshCatalog(): Promise<boolean> {
    const fingerprint = await readPgCatalogFingerprint(this.db, schemasOf(this.map));
    if (fingerprint === this.fingerprint) return false;
    this.catalog = await readCheckedCatalog(this.db, this.map, this.file);
    this.fingerprint = fingerprint;
    return true;
  }

  /**
   * Whether a search of `table` by `input` could match `value` at all: false when the column's
   * type cannot hold it (`abc` or ` 7 ` for an integer column, which the search drops from its
   * values), true for a normalised identity (compared as text). Undefined for a table this
   * searcher has not checked.
   */
  fits(table: SearchableTable, input: SearchInput, value: string): boolean | undefined {
    const column = this.catalog.tables.get(table.table)?.columns.find((c) => c.name === input.column);
    if (!column) return undefined;
    return boundSearchValues([value], input).some((v) => searchFormOf(column, v) !== undefined);
  }

  async search(
    table: SearchableTable,
    input: SearchInput,
    values: readonly string[],
    onPage: (rows: readonly FoundRow[]) => void,
    onUnreadable?: (row: UnreadableRow) => void,
    form?: RowForm,
  ): Promise<void> {
    const pgTable = this.catalog.tables.get(table.table);
    const column = pgTable?.columns.find((c) => c.name === input.column);
    if (!pgTable || !column)
      throw new InvalidArgumentError(`${table.table}.${input.column} was not checked against the catalog`);
    const accepted = [
      ...new Set(
        boundSearchValues(values, input).flatMap((v) => {
          const form = searchFormOf(column, v);
          return form === undefined ? [] : [form];
        }),
      ),
    ];
    const select = pgTable.columns.filter(
      (c) => !table.exclude.includes(c.name) && (!table.columns || table.columns.includes(c.name)),
    );
    const keyIndexes = table.primaryKey.map((k) => select.findIndex((c) => c.name === k));
    for (let i = 0; i < accepted.length; i += this.valuesPerQuery) {
      const chunk = accepted.slice(i, i + this.valuesPerQuery);
      if (table.primaryKey.length === 0) {
        const sql = searchSql(pgTable, select, [], column, input, false);
        await this.retry.execute(() => this.searchKeyless(sql, [chunk], onPage, onUnreadable, form));
        continue;
      }
      // Each page's rows are canonicalised as the driver reads them (`streamRaw`: no page of raw
      // rows is held) and handed on in batches of BATCH_ROWS; the next page starts after the last
      // row handed on, also when a lost connection cut a page short and it is retried. Pages of
      // small rows grow (fewer round trips and plans to wait for): a page costs no memory, but its
      // text stays under about twice GROW_BELOW_BYTES so that one statement stays short.
      const keyColumns = [...table.primaryKey].sort();
      const keyJsonOf = flatKeyJson(keyColumns);
      // Types of the selected columns resolved up front, so the rows' converter is made without a
      // query while the rows arrive (else that page's rows are held and converted at its end).
      await this.db.types.resolveAll(select.map(outputTypeOid));
      let after: (string | null)[] | undefined;
      let limit = this.pageSize;
      const single = chunk.length === 1 ? singleValueExpression(column, input) : undefined;
      for (;;) {
        let rowsInPage = 0;
        let textInPage = 0;
        await this.retry.execute(async () => {
          rowsInPage = 0;
          textInPage = 0;
          const sql = searchSql(
            pgTable,
            select,
            table.primaryKey,
            column,
            input,
            after !== undefined,
            single,
          );
          const params: unknown[] = [single === undefined ? chunk : chunk[0], ...(after ?? []), limit];
          let convert: RowConverter | undefined;
          let held:
            | { fields: readonly { name: string; dataTypeID: number }[]; rows: (string | null)[][] }
            | undefined;
          let batch: FoundRow[] = [];
          let lastRaw: (string | null)[] | undefined;
          const flush = () => {
            if (lastRaw === undefined) return;
            const rows = batch;
            batch = [];
            const last = lastRaw;
            lastRaw = undefined;
            after = keyIndexes.map((j) => last[j] ?? null);
            onPage(rows);
          };
          const take = (raw: (string | null)[], converter: RowConverter) => {
            const { row, json, failure } = converter(raw);
            const key: CanonicalObject = {};
            for (const k of keyColumns) key[k] = row[k] ?? null;
            if (failure) onUnreadable?.({ key, ...failure });
            else batch.push(json === undefined ? { key, row } : { key, keyJson: keyJsonOf(key), row, json });
            lastRaw = raw;
            if (batch.length >= BATCH_ROWS) flush();
          };
          try {
            await this.db.streamRaw(sql, params, { prepare: true }, (raw, fields) => {
              rowsInPage++;
              for (const value of raw) if (value !== null) textInPage += value.length;
              if (held === undefined && convert === undefined) {
                const types = this.db.types.cachedAll(fields.map((f) => f.dataTypeID));
                if (types) convert = rowConverter(fields, types, form);
                else held = { fields, rows: [] };
              }
              if (convert) take(raw, convert);
              else held?.rows.push(raw);
            });
            if (held) {
              const converter = await this.converterFor(held.fields, form);
              for (const raw of held.rows) take(raw, converter);
            }
          } finally {
            // Rows read before a failure are handed on: the retry starts after them.
            flush();
          }
        });
        if (rowsInPage < limit) break;
        if (limit < this.maxPageSize && textInPage < GROW_BELOW_BYTES)
          limit = Math.min(2 * limit, this.maxPageSize);
      }
    }
  }

  /**
   * The tables of the data map whose rows row security filters for the role this searcher reads as
   * (`row_security_active`: enabled, and the role neither `BYPASSRLS` nor the owner of a table that
   * does not force it); sorted `schema.table`. A search of such a table answers with the rows its
   * policies show, without an error.
   */
  async tablesUnderRowSecurity(): Promise<string[]> {
    return [...(await rowSecurityActive(this.db, this.catalog, this.mapped))].sort();
  }

  /** Refuses, with {@link RowSecurityError}, a reading role row security filters any mapped table for. */
  async refuseRowSecurity(): Promise<void> {
    const tables = await this.tablesUnderRowSecurity();
    if (tables.length > 0) throw new RowSecurityError(tables);
  }

  async countRows(
    table: SearchableTable,
    searched: { readonly column: string; readonly normalize: Normalization; readonly region?: string },
    values: readonly string[],
    cap: number,
  ): Promise<ReadonlyMap<string, number>> {
    const pgTable = this.catalog.tables.get(table.table);
    const column = pgTable?.columns.find((c) => c.name === searched.column);
    if (!pgTable || !column)
      throw new InvalidArgumentError(`${table.table}.${searched.column} was not checked against the catalog`);
    const counts = new Map(values.map((v) => [v, 0]));
    if (searched.normalize === 'phone') {
      // Candidate forms over-match: read the numbers (at most `cap` a value) and count each one's.
      const candidates = boundSearchValues(values, searched).filter((v) => acceptsValue(column, v));
      const match = matchExpression(column, 'phone').condition;
      const from = `${quoteIdent(pgTable.schema)}.${quoteIdent(pgTable.name)}`;
      const sql = `SELECT ${quoteIdent(column.name)}::text FROM ${from} WHERE ${match} ORDER BY 1 LIMIT $2`;
      const result = await this.retry.execute(() =>
        this.db.queryRaw(sql, [candidates, cap * values.length], { prepare: true }),
      );
      return tallyPhoneNumbers(
        counts,
        result.rows.map(([text]) => text),
        searched.region,
        cap,
      );
    }
    // Each value counted as the search binds it; values with one form share its count.
    const valuesOf = new Map<string, string[]>();
    for (const v of values) {
      const form = searchFormOf(column, v);
      if (form !== undefined) valuesOf.set(form, [...(valuesOf.get(form) ?? []), v]);
    }
    const accepted = [...valuesOf.keys()];
    const sql = countSql(pgTable, column, searched.normalize);
    // Each value is counted by a sub-query of its own: served by an index, a statement of many values
    // is quick; without one, each value reads the table, so a statement holds few values and stays
    // within the statement timeout (640 values of an unindexed 250,000-row table ran past 30 s).
    for (let i = 0; i < accepted.length; i += COUNT_VALUES_PER_QUERY) {
      const chunk = accepted.slice(i, i + COUNT_VALUES_PER_QUERY);
      const result = await this.retry.execute(() => this.db.queryRaw(sql, [chunk, cap], { prepare: true }));
      for (const row of result.rows)
        if (row[0] != null) for (const v of valuesOf.get(row[0]) ?? []) counts.set(v, Number(row[1]));
    }
    return counts;
  }

  /** Pages through a keyless search in one snapshot; every path ends the transaction and returns the client. */
  private async searchKeyless(
    sql: string,
    params: unknown[],
    onPage: (rows: readonly FoundRow[]) => void,
    onUnreadable: ((row: UnreadableRow) => void) | undefined,
    form: RowForm | undefined,
  ): Promise<void> {
    const keyOf = keylessRowKeys();
    await this.db.withClient(async (client) => {
      await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      try {
        await client.query(`DECLARE dsr_keyless NO SCROLL CURSOR FOR ${sql}`, params);
        for (;;) {
          const result = await client.query<(string | null)[]>({
            text: `FETCH FORWARD ${this.pageSize} FROM dsr_keyless`,
            rowMode: 'array',
          });
          const rows: FoundRow[] = [];
          for (const { row, json, failure } of await this.canonicalRows(result, form)) {
            // An unreadable keyless row is identified by what could be read of it (the value is null).
            if (failure) onUnreadable?.({ key: keyOf(row), ...failure });
            else
              rows.push(json === undefined ? { key: keyOf(row), row } : { key: keyOf(row, json), row, json });
          }
          onPage(rows);
          if (result.rows.length < this.pageSize) break;
        }
        await client.query('COMMIT');
      } catch (error) {
        // The client is destroyed by withClient on a failure; rolling back is best effort.
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** The rows of a result in canonical form (see {@link rowConverter}). */
  private async canonicalRows(
    result: {
      fields: readonly { name: string; dataTypeID: number }[];
      rows: readonly (string | null)[][];
    },
    form?: RowForm,
  ): Promise<CanonicalRowResult[]> {
    return result.rows.map(await this.converterFor(result.fields, form));
  }

  /** {@link rowConverter} for `fields`, their types resolved first (a catalog query for unknown ones). */
  private async converterFor(
    fields: readonly { name: string; dataTypeID: number }[],
    form?: RowForm,
  ): Promise<RowConverter> {
    return rowConverter(fields, await this.db.types.resolveAll(fields.map((f) => f.dataTypeID)), form);
  }
}

/** A row in canonical form: its values, its canonical JSON when asked for, or why it is unreadable. */
interface CanonicalRowResult {
  readonly row: CanonicalRow;
  readonly json?: string;
  readonly failure?: { column: string; reason: string };
}

type RowConverter = (raw: readonly (string | null)[]) => CanonicalRowResult;

/**
 * Rows in canonical form, built with their keys in sorted order (the canonical order). A value
 * without a canonical form costs its row, reported with its column and reason, not the search.
 *
 * Given a {@link RowForm}, each row's canonical JSON is written straight from PostgreSQL's text
 * (`canonicalPgValueJson`, column by column in the canonical order) and `row` holds the form's
 * columns only: no object per value, no tree per `jsonb` document. An unreadable row is built
 * whole, as without a form.
 */
function rowConverter(
  fields: readonly { name: string; dataTypeID: number }[],
  types: readonly PgTypeInfo[],
  form?: RowForm,
): RowConverter {
  const columns = fields
    .map((f, j) => ({
      name: f.name,
      j,
      type: types[j] ?? { oid: f.dataTypeID, kind: 'text' as const },
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const whole = (raw: readonly (string | null)[]): CanonicalRowResult => {
    const row: CanonicalRow = {};
    let failure: { column: string; reason: string } | undefined;
    for (const c of columns) {
      try {
        row[c.name] = canonicalizePgValue(raw[c.j] ?? null, c.type);
      } catch (error) {
        if (!(error instanceof UnreadableValueError)) throw error;
        failure ??= { column: c.name, reason: error.reason };
        row[c.name] = null;
      }
    }
    return failure ? { row, failure } : { row };
  };
  if (!form) return whole;
  const wanted = new Set(form.columns);
  const write = rowJsonFromText(columns, (column) => form.whole === true || wanted.has(column));
  return (raw) => write(raw) ?? whole(raw);
}

/** Rows handed on at a time while a page streams in. */
const BATCH_ROWS = 256;

/** The type OID a selected column arrives with (`money` is read as `numeric`, see `selectColumnSql`). */
function outputTypeOid(column: PgColumn): number {
  if (column.typeOid === MONEY) return NUMERIC;
  if (column.typeOid === MONEY_ARRAY) return NUMERIC_ARRAY;
  return column.typeOid;
}

const MONEY = 790;
const MONEY_ARRAY = 791;
const NUMERIC = 1700;
const NUMERIC_ARRAY = 1231;

/**
 * A keyset page grows only while a full page's text (UTF-16 code units) is below this: a bound on
 * one statement's time (under the statement timeout), not on memory, since pages stream.
 */
const GROW_BELOW_BYTES = 16 * 1024 * 1024;

/**
 * A writer of the canonical JSON of keys whose columns are `columns` (sorted), member by member,
 * each member's `"column":` written once: a key's values are strings and numbers (ints), which
 * `JSON.stringify` writes as canonical JSON (a string with nothing to escape is put between quotes
 * as it is). Anything else (a structure, a float written with an exponent) goes through `canonicalJson`.
 */
function flatKeyJson(columns: readonly string[]): (key: CanonicalObject) => string {
  const prefixes = columns.map((column, i) => `${i === 0 ? '{' : ','}${JSON.stringify(column)}:`);
  return (key) => {
    let json = '';
    for (let i = 0; i < columns.length; i++) {
      const value = key[columns[i] as string] ?? null;
      const text =
        typeof value === 'string'
          ? needsJsonEscape(value)
            ? JSON.stringify(value)
            : `"${value}"`
          : typeof value === 'number' && Number.isSafeInteger(value)
            ? JSON.stringify(value)
            : canonicalJson(value);
      json += (prefixes[i] as string) + text;
    }
    return columns.length === 0 ? '{}' : `${json}}`;
  };
}

/**
 * For each value of `$1` (text), the rows whose column matches it, as a search by that one value
 * would match them, counted up to `$2`: `SELECT u.v, (SELECT count(*) FROM (SELECT 1 FROM t WHERE
 * <match> LIMIT $2) c) FROM unnest($1) u(v)`. The inner query is the search's own condition over a
 * one-element array, so the index that serves the search serves each count, and no value costs
 * more than `$2` index entries.
 */
/** Values counted per statement by `countRows` (see there). */
const COUNT_VALUES_PER_QUERY = 100;

function countSql(table: PgTable, column: PgColumn, normalize: Normalization): string {
  const kind = matchExpression(column, normalize).kind;
  const type =
    kind === 'typed' ? `${column.castType}[]` : kind === 'array-overlap' ? column.castType : 'text[]';
  const match = matchExpression(column, normalize, `CAST(ARRAY[u.v] AS ${type})`).condition;
  const from = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  return `SELECT u.v, (SELECT count(*) FROM (SELECT 1 FROM ${from} WHERE ${match} LIMIT $2) AS c) FROM unnest($1::text[]) AS u(v)`;
}

/**
 * The match of one value bound alone as `$1`, `<expression> = $1`, when the column's match is an
 * equality an index can serve (`typed`, `normalized`); else undefined. The same rows as `= ANY`
 * of a one-element array, but PostgreSQL plans it as an equality: an index on the column and the
 * key (`(user_id, id)`) then yields a keyset page in key order, instead of a walk of the primary
 * key that filters out other people's rows (and, on the last page, every row after the subject's).
 */
function singleValueExpression(column: PgColumn, input: SearchInput): string | undefined {
  const match = matchExpression(column, input.normalize);
  return (match.kind === 'typed' || match.kind === 'normalized') && match.indexExpression
    ? match.indexExpression
    : undefined;
}

/**
 * `SELECT <columns> FROM "schema"."table" WHERE <match over $1> [AND (pk) > ($2, …)] ORDER BY pk LIMIT $n`,
 * or without the key clauses for a keyless table. Given `single` (a {@link singleValueExpression}),
 * `$1` is one value compared with it by equality rather than an array.
 * Parameter types are inferred by PostgreSQL from the columns they are compared with; the match
 * depends on the column's type and normalisation ({@link matchExpression}).
 */
function searchSql(
  table: PgTable,
  select: readonly PgColumn[],
  primaryKey: readonly string[],
  column: PgColumn,
  input: SearchInput,
  paged: boolean,
  single?: string,
): string {
  const columns = select.map(selectColumnSql).join(', ');
  const match = single !== undefined ? `${single} = $1` : matchExpression(column, input.normalize).condition;
  const from = `SELECT ${columns} FROM ${quoteIdent(table.schema)}.${quoteIdent(table.name)} WHERE ${match}${narrowedBy(input)}`;
  // A keyless search is read through a cursor, unordered: its rows' keys do not depend on order.
  if (primaryKey.length === 0) return from;
  const key = primaryKey.map(quoteIdent).join(', ');
  const keyset = paged ? ` AND (${key}) > (${primaryKey.map((_, i) => `$${i + 2}`).join(', ')})` : '';
  const limit = `$${paged ? primaryKey.length + 2 : 2}`;
  return `${from}${keyset} ORDER BY ${key} LIMIT ${limit}`;
}

/**
 * ` AND CAST("column" AS text) IN ('v', …)` for a follow narrowed by `followWhere`, else nothing.
 * The values are literals: the data map's schema admits no quote or backslash in them.
 */
function narrowedBy(input: SearchInput): string {
  if (!input.where) return '';
  const values = input.where.values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ');
  return ` AND CAST(${quoteIdent(input.where.column)} AS text) IN (${values})`;
}

/** The schemas the data map names PostgreSQL tables in. */
function schemasOf(map: DataMap): string[] {
  return [...new Set(map.postgres.map((t) => t.table.split('.')[0] as string))];
}

/** The live catalog of the schemas the data map names, checked against the map. */
async function readCheckedCatalog(db: PgDatabase, map: DataMap, file: string): Promise<PgCatalog> {
  const catalog = await readPgCatalog(db, schemasOf(map));
  const problems = checkPostgresCatalog(map, catalog);
  if (problems.length > 0) throw new DataMapError(file, problems);
  return catalog;
}
