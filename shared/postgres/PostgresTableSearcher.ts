import type { IPolicy } from 'cockatiel';
import type { CanonicalObject, CanonicalRow } from '../canonical/CanonicalValue';
import { checkPostgresCatalog } from '../datamap/checkPostgresCatalog';
import type { DataMap } from '../datamap/dataMapSchema';
import type { FoundRow, SearchableTable, SearchInput, TableSearcher } from '../discovery/SearchableTable';
import { DataMapError, InvalidArgumentError } from '../errors/errors';
import { acceptsValue, comparisonFor } from './acceptsValue';
import { canonicalizePgValue } from './canonicalizePgValue';
import { connectionFaultRetry } from './connectionFaultRetry';
import type { PgDatabase } from './PgDatabase';
import { quoteIdent } from './quoteIdent';
import { type PgCatalog, type PgColumn, type PgTable, readPgCatalog } from './readPgCatalog';

export interface PostgresSearchOptions {
  /** Rows per keyset page. @default 1000 */
  readonly pageSize?: number;
  /** Values bound in one query; larger lists are split. @default 5000 */
  readonly valuesPerQuery?: number;
  /** Retries a page after a lost connection. @default {@link connectionFaultRetry} */
  readonly retry?: IPolicy;
}

/**
 * Searches PostgreSQL tables of the data map. Values are bind parameters (`= ANY($1)`), names are
 * quoted identifiers from the validated map, and results are paged by primary key (keyset), so a
 * subject with a million rows holds a pooled client for one page at a time.
 */
export class PostgresTableSearcher implements TableSearcher {
  private readonly pageSize: number;
  private readonly valuesPerQuery: number;
  private readonly retry: IPolicy;

  private constructor(
    private readonly db: PgDatabase,
    private readonly catalog: PgCatalog,
    options: PostgresSearchOptions,
  ) {
    this.pageSize = options.pageSize ?? 1000;
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
    const schemas = [...new Set(map.postgres.map((t) => t.table.split('.')[0] as string))];
    const catalog = await readPgCatalog(db, schemas);
    const problems = checkPostgresCatalog(map, catalog);
    if (problems.length > 0) throw new DataMapError(file, problems);
    return new PostgresTableSearcher(db, catalog, options);
  }

  async search(
    table: SearchableTable,
    input: SearchInput,
    values: readonly string[],
    onPage: (rows: readonly FoundRow[]) => void,
  ): Promise<void> {
    const pgTable = this.catalog.tables.get(table.table);
    const column = pgTable?.columns.find((c) => c.name === input.column);
    if (!pgTable || !column)
      throw new InvalidArgumentError(`${table.table}.${input.column} was not checked against the catalog`);
    const accepted = values.filter((v) => acceptsValue(column, v));
    const select = pgTable.columns.filter((c) => !table.exclude.includes(c.name));
    const keyIndexes = table.primaryKey.map((k) => select.findIndex((c) => c.name === k));
    for (let i = 0; i < accepted.length; i += this.valuesPerQuery) {
      const chunk = accepted.slice(i, i + this.valuesPerQuery);
      let after: (string | null)[] | undefined;
      for (;;) {
        const sql = searchSql(pgTable, select, table.primaryKey, column, input, after !== undefined);
        const params: unknown[] = [chunk, ...(after ?? []), this.pageSize];
        const result = await this.retry.execute(() => this.db.queryRaw(sql, params, { prepare: true }));
        const types = await this.db.types.resolveAll(result.fields.map((f) => f.dataTypeID));
        // Rows and keys are built with their keys in sorted order (the canonical order).
        const columns = result.fields
          .map((f, j) => ({
            name: f.name,
            j,
            type: types[j] ?? { oid: f.dataTypeID, kind: 'text' as const },
          }))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const keyColumns = [...table.primaryKey].sort();
        onPage(
          result.rows.map((raw): FoundRow => {
            const row: CanonicalRow = {};
            for (const c of columns) row[c.name] = canonicalizePgValue(raw[c.j] ?? null, c.type);
            const key: CanonicalObject = {};
            for (const k of keyColumns) key[k] = row[k] ?? null;
            return { key, row };
          }),
        );
        const last = result.rows.at(-1);
        if (!last || result.rows.length < this.pageSize) break;
        after = keyIndexes.map((j) => last[j] ?? null);
      }
    }
  }
}

/**
 * `SELECT <columns> FROM "schema"."table" WHERE <match> = ANY($1) [AND (pk) > ($2, …)] ORDER BY pk LIMIT $n`.
 * Parameter types are inferred by PostgreSQL from the columns they are compared with.
 */
function searchSql(
  table: PgTable,
  select: readonly PgColumn[],
  primaryKey: readonly string[],
  column: PgColumn,
  input: SearchInput,
  paged: boolean,
): string {
  const columns = select
    .map((c) =>
      c.typeOid === 114 ? `${quoteIdent(c.name)}::jsonb AS ${quoteIdent(c.name)}` : quoteIdent(c.name),
    )
    .join(', ');
  const quoted = quoteIdent(column.name);
  const match =
    input.normalize === 'lowercase'
      ? `lower(${quoted})`
      : input.normalize === 'digits'
        ? `regexp_replace(${quoted}, '[^0-9]', '', 'g')`
        : comparisonFor(column) === 'typed'
          ? quoted
          : `${quoted}::text`;
  const key = primaryKey.map(quoteIdent).join(', ');
  const keyset = paged ? ` AND (${key}) > (${primaryKey.map((_, i) => `$${i + 2}`).join(', ')})` : '';
  const limit = `$${paged ? primaryKey.length + 2 : 2}`;
  return `SELECT ${columns} FROM ${quoteIdent(table.schema)}.${quoteIdent(table.name)} WHERE ${match} = ANY($1)${keyset} ORDER BY ${key} LIMIT ${limit}`;
}
