import type { CanonicalObject, CanonicalValue } from '../canonical/CanonicalValue';
import { didYouMean } from '../datamap/closeMatches';
import type { DataMap } from '../datamap/dataMapSchema';
import { formatPath } from '../datamap/loadDataMap';
import { keylessRowKeys } from '../discovery/keylessRowKeys';
import { planSearch } from '../discovery/planSearch';
import type { FoundRow, SearchableTable, SearchInput, TableSearcher } from '../discovery/SearchableTable';
import { DataMapError, InvalidArgumentError, UnexpectedDataError } from '../errors/errors';
import type { Normalization } from '../identity/Normalization';
import { boundSearchValues, tallyPhoneNumbers } from '../identity/normalizePhone';
import { checkSnowflakeCatalog, snowflakeTablesOf } from './checkSnowflakeCatalog';
import { mirrorTypeFamily } from './mirrorColumnType';
import { quoteSnowflakeIdent } from './quoteSnowflakeIdent';
import { readSnowflakeCatalog } from './readSnowflakeCatalog';
import type { SnowflakeCatalog, SnowflakeColumn } from './SnowflakeColumn';
import type { SnowflakeDatabase } from './SnowflakeDatabase';
import { countMatchesSql, keysetBinds, searchSql } from './statements';

export interface SnowflakeSearchOptions {
  /** Rows per keyset page. @default 1000 */
  readonly pageSize?: number;
  /** Values bound in one query; larger lists are split. @default 1000 */
  readonly valuesPerQuery?: number;
  /** Also check the PostgreSQL tables' mirrors, to search them (see `planSearch`). @default false */
  readonly mirrors?: boolean;
}

const DECIMAL = /^-?(\d+)(?:\.(\d+))?$/;

/**
 * Searches the data map's `snowflake:` tables. Values are binds (`IN (?, …)`), names are quoted
 * identifiers from the validated map, results are paged by primary key (keyset) in a deterministic
 * order (a keyless table: ordered by all its returned columns, paged by offset, rows keyed by
 * `keylessRowKeys`), excluded columns and columns outside an allow-list are never selected, and rows come back in canonical form (NUMBER as exact
 * text, VARIANT parsed losslessly, timestamps in UTC ISO, BINARY as base64).
 */
export class SnowflakeTableSearcher implements TableSearcher {
  private readonly pageSize: number;
  private readonly valuesPerQuery: number;

  private constructor(
    private readonly db: SnowflakeDatabase,
    private readonly map: DataMap,
    private readonly file: string,
    private readonly mirrors: boolean,
    private catalog: SnowflakeCatalog,
    private fingerprint: string,
    options: SnowflakeSearchOptions,
  ) {
    this.pageSize = options.pageSize ?? 1000;
    this.valuesPerQuery = options.valuesPerQuery ?? 1000;
  }

  /**
   * Reads the catalog of the schemas the data map's Snowflake tables live in and checks the map
   * against it before any search runs; throws {@link DataMapError} listing every mismatch.
   */
  static async create(
    db: SnowflakeDatabase,
    map: DataMap,
    file: string,
    options: SnowflakeSearchOptions = {},
  ): Promise<SnowflakeTableSearcher> {
    const mirrors = options.mirrors ?? false;
    const catalog = await readSearchCatalog(db, map, mirrors);
    checkSearchCatalog(map, file, mirrors, catalog);
    return new SnowflakeTableSearcher(db, map, file, mirrors, catalog, catalogFingerprint(catalog), options);
  }

  /**
   * Reads the catalog again (one `INFORMATION_SCHEMA` query per schema) and, when it changed since
   * the last read, checks the map against it and searches by it from now on: a warm container
   * searches the columns the tables have now, not those it started with. Answers whether the
   * catalog changed; throws {@link DataMapError} (and keeps the last good catalog) when the map no
   * longer matches.
   */
  async refreshCatalog(): Promise<boolean> {
    const catalog = await readSearchCatalog(this.db, this.map, this.mirrors);
    const fingerprint = catalogFingerprint(catalog);
    if (fingerprint === this.fingerprint) return false;
    checkSearchCatalog(this.map, this.file, this.mirrors, catalog);
    this.catalog = catalog;
    this.fingerprint = fingerprint;
    return true;
  }

  async search(
    table: SearchableTable,
    input: SearchInput,
    values: readonly string[],
    onPage: (rows: readonly FoundRow[]) => void,
  ): Promise<void> {
    const sfTable = this.catalog.tables.get(table.table);
    const column = sfTable?.columns.find((c) => c.name === input.column);
    if (!sfTable || !column)
      throw new InvalidArgumentError(`${table.table}.${input.column} was not checked against the catalog`);
    const comparison = compareAs(column, input);
    const accepted = boundSearchValues(values, input).filter(comparison.accepts);
    const select = sfTable.columns.filter(
      (c) => !table.exclude.includes(c.name) && (!table.columns || table.columns.includes(c.name)),
    );
    const keyless = table.primaryKey.length === 0;
    const key = table.primaryKey.map((name) => {
      const keyColumn = sfTable.columns.find((c) => c.name === name);
      if (!keyColumn)
        throw new InvalidArgumentError(`${table.table}.${name} was not checked against the catalog`);
      return { column: name, value: boundAs(keyColumn) };
    });
    const keyColumns = [...table.primaryKey].sort();
    for (let i = 0; i < accepted.length; i += this.valuesPerQuery) {
      const chunk = accepted.slice(i, i + this.valuesPerQuery);
      let after: string[] | undefined;
      const keyOf = keylessRowKeys();
      for (let offset = 0; ; offset += this.pageSize) {
        const sql = searchSql({
          table: table.table,
          columns: select.map((c) => c.name),
          match: comparison.match,
          value: comparison.value,
          valueCount: chunk.length,
          key,
          after: after !== undefined,
          limit: this.pageSize,
          ...(keyless ? { offset } : {}),
        });
        const rows = await this.db.query(sql, [...chunk, ...(after ? keysetBinds(after) : [])]);
        onPage(
          rows.map((row): FoundRow => {
            if (keyless) return { key: keyOf(row), row };
            const found: CanonicalObject = {};
            for (const k of keyColumns) found[k] = row[k] ?? null;
            return { key: found, row };
          }),
        );
        const last = rows.at(-1);
        if (!last || rows.length < this.pageSize) break;
        if (!keyless) after = table.primaryKey.map((k) => keyText(last[k]));
      }
    }
  }

  async countRows(
    table: SearchableTable,
    searched: { readonly column: string; readonly normalize: Normalization; readonly region?: string },
    values: readonly string[],
    cap: number,
  ): Promise<ReadonlyMap<string, number>> {
    const sfTable = this.catalog.tables.get(table.table);
    const column = sfTable?.columns.find((c) => c.name === searched.column);
    if (!sfTable || !column)
      throw new InvalidArgumentError(`${table.table}.${searched.column} was not checked against the catalog`);
    const comparison = compareAs(column, searched);
    const counts = new Map(values.map((v) => [v, 0]));
    if (searched.normalize === 'phone') {
      // Candidate forms over-match: read the numbers (at most `cap` a value) and count each one's.
      const candidates = boundSearchValues(values, searched).filter(comparison.accepts);
      const sql = searchSql({
        table: table.table,
        columns: [column.name],
        match: comparison.match,
        value: comparison.value,
        valueCount: candidates.length,
        key: [],
        after: false,
        limit: cap * values.length,
      });
      if (candidates.length === 0) return counts;
      const rows = await this.db.query(sql, candidates);
      return tallyPhoneNumbers(
        counts,
        rows.map((row) => countedValue(row[column.name])),
        searched.region,
        cap,
      );
    }
    const accepted = values.filter(comparison.accepts);
    // NUMBER values come back in canonical form: compare them by the exact value bound.
    const numeric = comparison.value !== '?';
    for (let i = 0; i < accepted.length; i += this.valuesPerQuery) {
      const chunk = accepted.slice(i, i + this.valuesPerQuery);
      const sql = countMatchesSql({
        table: table.table,
        match: comparison.match,
        value: comparison.value,
        valueCount: chunk.length,
      });
      for (const row of await this.db.query(sql, [...chunk])) {
        const value = countedValue(row.V);
        const n = Math.min(Number(countedValue(row.N) ?? 0), cap);
        if (value === undefined) continue;
        const key = numeric ? chunk.find((v) => sameNumber(v, value)) : value;
        if (key !== undefined) counts.set(key, n);
      }
    }
    return counts;
  }
}

/** Whether two decimal texts name the same number (`007` and `7`, `1.50` and `1.5`). */
function sameNumber(a: string, b: string): boolean {
  const norm = (v: string) => {
    const m = DECIMAL.exec(v);
    if (!m) return v;
    const integer = (m[1] as string).replace(/^0+(?=\d)/, '');
    const fraction = (m[2] ?? '').replace(/0+$/, '');
    const sign = v.startsWith('-') && /[1-9]/.test(integer + fraction) ? '-' : '';
    return `${sign}${integer}${fraction ? `.${fraction}` : ''}`;
  };
  return norm(a) === norm(b);
}

/** Text of a counted group's value, as the search values were bound. */
function countedValue(value: CanonicalValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** How a column is matched: the expression, how a value is bound, and which values can match at all. */
function compareAs(
  column: SnowflakeColumn,
  input: { readonly normalize: Normalization },
): { match: string; value: string; accepts: (value: string) => boolean } {
  const quoted = quoteSnowflakeIdent(column.name);
  const noNul = (v: string) => !v.includes('\u0000');
  if (input.normalize === 'lowercase') return { match: `LOWER(${quoted})`, value: '?', accepts: noNul };
  if (input.normalize === 'digits' || input.normalize === 'phone')
    return { match: `REGEXP_REPLACE(${quoted}, '[^0-9]', '')`, value: '?', accepts: noNul };
  switch (mirrorTypeFamily(column.dataType)) {
    case 'TEXT':
      return { match: quoted, value: '?', accepts: noNul };
    case 'NUMBER':
      // A value the column cannot hold matches nothing; casting it would round it or fail the query.
      return { match: quoted, value: boundAs(column), accepts: (v) => fitsNumber(v, column) };
    default:
      return { match: `CAST(${quoted} AS VARCHAR)`, value: '?', accepts: noNul };
  }
}

/** How a bound text value is written to compare with the column: NUMBER keys are cast exactly. */
function boundAs(column: SnowflakeColumn): string {
  return mirrorTypeFamily(column.dataType) === 'NUMBER'
    ? `CAST(? AS NUMBER(${column.precision ?? 38},${column.scale ?? 0}))`
    : '?';
}

function fitsNumber(value: string, column: SnowflakeColumn): boolean {
  const m = DECIMAL.exec(value);
  if (!m) return false;
  const precision = column.precision ?? 38;
  const scale = column.scale ?? 0;
  const integer = (m[1] as string).replace(/^0+(?=\d)/, '');
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  return fraction.length <= scale && (integer === '0' ? 0 : integer.length) <= precision - scale;
}

/** A key value of the last row, bound as text for the next page. */
function keyText(value: CanonicalValue | undefined): string {
  if (value === null || value === undefined)
    throw new UnexpectedDataError('a primary-key value is NULL: the key does not identify rows');
  return typeof value === 'string' ? value : String(value);
}

/** The catalog a searcher reads: the map's Snowflake tables' schemas, and its mirrors' when searched. */
function readSearchCatalog(db: SnowflakeDatabase, map: DataMap, mirrors: boolean): Promise<SnowflakeCatalog> {
  return readSnowflakeCatalog(db, mirrors ? snowflakeTablesOf(map) : map.snowflake.map((t) => t.table), {
    wholeSchemas: true,
  });
}

/** Throws {@link DataMapError} listing every way the map does not match `catalog`. */
function checkSearchCatalog(map: DataMap, file: string, mirrors: boolean, catalog: SnowflakeCatalog): void {
  const problems = checkSnowflakeCatalog(map, catalog, { mirrors });
  if (mirrors && problems.length === 0) {
    // A mirror is searched by its source's columns, upper-cased: each must exist there.
    const plan = planSearch(map, { mirrors: true });
    map.postgres.forEach((spec, i) => {
      const planned = plan.find((t) => t.system === 'snowflake' && t.table === spec.mirror);
      const table = spec.mirror ? catalog.tables.get(spec.mirror) : undefined;
      if (!planned || !table) return;
      const columns = new Set(table.columns.map((c) => c.name));
      for (const name of new Set([...planned.primaryKey, ...planned.inputs.map((x) => x.column)]))
        if (!columns.has(name))
          problems.push({
            path: formatPath(['postgres', i, 'mirror']),
            message: `mirror ${spec.mirror} has no column ${name} to search by.${didYouMean(name, columns)}`,
          });
    });
  }
  if (problems.length > 0) throw new DataMapError(file, problems);
}

/** Every table and column the catalog describes, in a stable order: equal when nothing changed. */
function catalogFingerprint(catalog: SnowflakeCatalog): string {
  return JSON.stringify(
    [...catalog.tables.values()]
      .map((t) => [t.name, [...t.columns].sort((a, b) => a.ordinal - b.ordinal)] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}
