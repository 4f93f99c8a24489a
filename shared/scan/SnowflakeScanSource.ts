import { InvalidArgumentError } from '../errors/errors';
import { quoteSnowflakeIdent } from '../snowflake/quoteSnowflakeIdent';
import type {
  CatalogSource,
  ColumnSampler,
  ScanColumn,
  ScanColumnKind,
  ScanSource,
  ScanTable,
} from './ScanSource';
import { MAX_SAMPLED_TEXT, SAMPLE_FACTOR } from './ScanSource';

/**
 * Runs one Snowflake statement with `?` binds and returns its rows with every value as text
 * (or null). Whatever client the caller has supplies it; this module needs nothing else.
 */
export type SnowflakeExecute = (
  sqlText: string,
  binds: readonly (string | number)[],
) => Promise<Record<string, string | null>[]>;

export interface SnowflakeScanOptions {
  readonly execute: SnowflakeExecute;
  /** Databases whose INFORMATION_SCHEMA is read (it is per database). */
  readonly databases: readonly string[];
}

/**
 * Lists Snowflake tables from `INFORMATION_SCHEMA.COLUMNS` and samples them for a PII scan. Small
 * tables are read with `SAMPLE (N ROWS)`; large ones with block sampling (`SAMPLE SYSTEM (p)`) and
 * a `LIMIT`, since fixed-size row sampling reads the whole table.
 * https://docs.snowflake.com/en/sql-reference/constructs/sample
 * https://docs.snowflake.com/en/sql-reference/info-schema/columns
 */
export class SnowflakeScanSource implements CatalogSource, ColumnSampler, ScanSource {
  readonly system = 'snowflake' as const;
  readonly catalog = this;
  readonly sampler = this;

  constructor(private readonly options: SnowflakeScanOptions) {}

  async listTables(): Promise<ScanTable[]> {
    const tables = new Map<string, ScanTable & { columns: ScanColumn[] }>();
    for (const database of this.options.databases) {
      const db = quoteSnowflakeIdent(database);
      const rows = await this.options.execute(
        `SELECT c.TABLE_CATALOG, c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, t.ROW_COUNT
         FROM ${db}.INFORMATION_SCHEMA.COLUMNS c
         JOIN ${db}.INFORMATION_SCHEMA.TABLES t
           ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
         WHERE t.TABLE_TYPE = 'BASE TABLE' AND c.TABLE_SCHEMA <> ?
         ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`,
        ['INFORMATION_SCHEMA'],
      );
      for (const row of rows) {
        const parts = [row.TABLE_CATALOG ?? database, row.TABLE_SCHEMA ?? '', row.TABLE_NAME ?? ''];
        const id = parts.join('.');
        let table = tables.get(id);
        if (!table) {
          const count =
            row.ROW_COUNT === null || row.ROW_COUNT === undefined ? Number.NaN : Number(row.ROW_COUNT);
          table = {
            system: 'snowflake',
            table: id,
            parts,
            columns: [],
            estimatedRows: Number.isFinite(count) ? count : undefined,
          };
          tables.set(id, table);
        }
        const dataType = (row.DATA_TYPE ?? '').toUpperCase();
        table.columns.push({
          name: row.COLUMN_NAME ?? '',
          typeName: dataType,
          kind: snowflakeColumnKind(dataType),
        });
      }
    }
    return [...tables.values()];
  }

  async sample(table: ScanTable, columns: readonly ScanColumn[], rows: number): Promise<(string | null)[][]> {
    if (!Number.isSafeInteger(rows) || rows < 1)
      throw new InvalidArgumentError(`rows must be a positive integer (given ${rows})`);
    const aliases = columns.map((_, i) => `C${i}`);
    const select = columns.map((c, i) => `${selectExpression(c)} AS ${aliases[i]}`).join(', ');
    const from = table.parts.map(quoteSnowflakeIdent).join('.');
    const estimate = table.estimatedRows;
    // SAMPLE takes no bind parameters: its numbers are computed here, never taken from data.
    const sql =
      estimate !== undefined && estimate > rows * SAMPLE_FACTOR
        ? `SELECT ${select} FROM ${from} SAMPLE SYSTEM (${formatPercent((100 * rows * 4) / estimate)}) LIMIT ${rows}`
        : `SELECT ${select} FROM ${from} SAMPLE (${rows} ROWS)`;
    let result = await this.options.execute(sql, []);
    if (result.length === 0 && estimate !== undefined && estimate > 0) {
      result = await this.options.execute(`SELECT ${select} FROM ${from} LIMIT ${rows}`, []);
    }
    return result.map((row) => aliases.map((a) => row[a] ?? null));
  }
}

/** Maps a Snowflake `DATA_TYPE` to how a scan reads the column. */
export function snowflakeColumnKind(dataType: string): ScanColumnKind {
  if (dataType === 'TEXT' || dataType === 'VARCHAR' || dataType === 'CHAR' || dataType === 'STRING')
    return 'text';
  if (dataType === 'VARIANT' || dataType === 'OBJECT' || dataType === 'ARRAY') return 'json';
  if (dataType === 'NUMBER' || dataType === 'FLOAT' || dataType === 'DECIMAL' || dataType === 'INTEGER')
    return 'number';
  if (dataType === 'DATE' || dataType.startsWith('TIMESTAMP')) return 'date';
  return 'other';
}

function selectExpression(column: ScanColumn): string {
  const name = quoteSnowflakeIdent(column.name);
  switch (column.kind) {
    case 'json':
      return `TO_JSON(${name})`;
    case 'text':
      return `LEFT(${name}, ${MAX_SAMPLED_TEXT})`;
    case 'date':
      return column.typeName === 'DATE'
        ? `TO_VARCHAR(${name}, 'YYYY-MM-DD')`
        : `TO_VARCHAR(${name}, 'YYYY-MM-DD HH24:MI:SS')`;
    default:
      return `TO_VARCHAR(${name})`;
  }
}

function formatPercent(percent: number): string {
  return Math.min(100, Math.max(0.000001, percent)).toFixed(6);
}
