import type { PgDatabase } from '../postgres/PgDatabase';
import { quoteIdent } from '../postgres/quoteIdent';
import type {
  CatalogSource,
  ColumnSampler,
  ScanColumn,
  ScanColumnKind,
  ScanSource,
  ScanTable,
} from './ScanSource';
import { MAX_SAMPLED_TEXT, SAMPLE_FACTOR } from './ScanSource';

export interface PostgresScanOptions {
  /** Schemas to scan; every schema but the system ones when empty. @default [] */
  readonly schemas?: readonly string[];
}

interface CatalogRow {
  schema: string;
  table: string;
  estimate: string;
  column: string;
  type_name: string;
  base_type: string;
  category: string;
}

// Tables, partitioned tables and materialized views; partitions are read through their parent.
const CATALOG_SQL = `
SELECT n.nspname AS schema, c.relname AS table, c.reltuples::int8::text AS estimate,
       a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type_name,
       COALESCE(bt.typname, t.typname)::text AS base_type,
       (CASE WHEN t.typtype = 'd' THEN bt.typcategory ELSE t.typcategory END)::text AS category
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype AND t.typtype = 'd'
WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition
  AND (n.nspname = ANY($1::text[])
       OR (cardinality($1::text[]) = 0 AND n.nspname NOT IN ('pg_catalog', 'information_schema')
           AND n.nspname NOT LIKE 'pg\\_%'))
ORDER BY n.nspname, c.relname, a.attnum`;

/** JSON documents larger than this are not sampled (they would be parsed whole). */
const MAX_JSON = 1_048_576;

/**
 * Reads PostgreSQL's catalog and samples its tables for a PII scan, through {@link PgDatabase}
 * (so the pool's `statement_timeout` applies). Every sample runs in a `READ ONLY` transaction; a
 * large table is read with `TABLESAMPLE SYSTEM` (whole random pages) and a row limit, a small one
 * with the row limit alone, so no table is ever read in full.
 * https://www.postgresql.org/docs/current/sql-select.html#SQL-FROM (TABLESAMPLE)
 */
export class PostgresScanSource implements CatalogSource, ColumnSampler, ScanSource {
  readonly system = 'postgres' as const;
  readonly catalog = this;
  readonly sampler = this;
  private readonly schemas: readonly string[];

  constructor(
    private readonly db: PgDatabase,
    options: PostgresScanOptions = {},
  ) {
    this.schemas = options.schemas ?? [];
  }

  async listTables(): Promise<ScanTable[]> {
    const result = await this.db.query<CatalogRow>(CATALOG_SQL, [this.schemas]);
    const tables = new Map<string, ScanTable & { columns: ScanColumn[] }>();
    for (const row of result.rows) {
      const id = `${row.schema}.${row.table}`;
      let table = tables.get(id);
      if (!table) {
        const estimate = Number(row.estimate);
        table = {
          system: 'postgres',
          table: id,
          parts: [row.schema, row.table],
          columns: [],
          estimatedRows: estimate >= 0 ? estimate : undefined,
        };
        tables.set(id, table);
      }
      table.columns.push({
        name: row.column,
        typeName: row.type_name,
        kind: pgColumnKind(row.category, row.base_type),
      });
    }
    return [...tables.values()];
  }

  async sample(table: ScanTable, columns: readonly ScanColumn[], rows: number): Promise<(string | null)[][]> {
    const select = columns.map((c) => selectExpression(c)).join(', ');
    const from = table.parts.map(quoteIdent).join('.');
    const estimate = table.estimatedRows;
    const large = estimate !== undefined && estimate > rows * SAMPLE_FACTOR;
    return this.db.withClient(async (client) => {
      await client.query('BEGIN READ ONLY');
      try {
        let result: (string | null)[][] = [];
        if (large) {
          // Pages enough for about four times the rows wanted, since pages are taken at random; a
          // small percentage can pick no page at all, so an empty sample is retried with more.
          const percent = Math.min(100, (100 * rows * 4) / estimate);
          for (let attempt = 0; attempt < 4 && result.length === 0; attempt++) {
            result = (
              await client.query<(string | null)[]>({
                text: `SELECT ${select} FROM ${from} TABLESAMPLE SYSTEM ($1) LIMIT $2`,
                values: [Math.min(100, percent * 4 ** attempt), rows],
                rowMode: 'array',
              })
            ).rows;
          }
        }
        // Statistics can be stale: a sample that came back empty falls back to the row limit.
        if (result.length === 0) {
          result = (
            await client.query<(string | null)[]>({
              text: `SELECT ${select} FROM ${from} LIMIT $1`,
              values: [rows],
              rowMode: 'array',
            })
          ).rows;
        }
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }
}

/** Maps a PostgreSQL type category (`pg_type.typcategory`) to how a scan reads the column. */
export function pgColumnKind(category: string, baseType: string): ScanColumnKind {
  if (baseType === 'json' || baseType === 'jsonb' || category === 'A') return 'json';
  switch (category) {
    case 'S': // strings
    case 'I': // inet, cidr
      return 'text';
    case 'N':
      return 'number';
    case 'D':
      return 'date';
    default:
      return 'other';
  }
}

function selectExpression(column: ScanColumn): string {
  const name = quoteIdent(column.name);
  if (column.kind === 'json') {
    const text = column.typeName.endsWith('[]') ? `array_to_json(${name})::text` : `${name}::text`;
    return `CASE WHEN octet_length(${text}) <= ${MAX_JSON} THEN ${text} END`;
  }
  // The inet-to-text cast appends the netmask; host() gives the address as written.
  if (column.typeName === 'inet') return `host(${name})`;
  if (column.kind === 'text') return `left(${name}::text, ${MAX_SAMPLED_TEXT})`;
  return `${name}::text`;
}
