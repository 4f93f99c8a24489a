import type { CanonicalValue } from '../canonical/CanonicalValue';
import { SnowflakeError } from './errors';
import type { SnowflakeCatalog, SnowflakeColumn, SnowflakeTable } from './SnowflakeColumn';
import type { SnowflakeDatabase } from './SnowflakeDatabase';
import { catalogColumnsSql } from './statements';

export interface ReadSnowflakeCatalogOptions {
  /** Read every table of the schemas involved, not only the named ones (for close matches). @default false */
  readonly wholeSchemas?: boolean;
}

/** Object-does-not-exist codes: a database or schema that is not there holds no tables. */
const MISSING_OBJECT = new Set(['002003', '002043']);

/**
 * Reads the columns of the named `DATABASE.SCHEMA.TABLE`s from each database's
 * `INFORMATION_SCHEMA`, one query per schema. A table that does not exist is absent from the
 * result; so are the tables of a database or schema that does not exist.
 */
export async function readSnowflakeCatalog(
  db: SnowflakeDatabase,
  tables: readonly string[],
  options: ReadSnowflakeCatalogOptions = {},
): Promise<SnowflakeCatalog> {
  const groups = new Map<string, { database: string; schema: string; tables: Set<string> }>();
  for (const name of tables) {
    const [database, schema, table] = name.split('.') as [string, string, string];
    const id = `${database}.${schema}`;
    const group = groups.get(id) ?? { database, schema, tables: new Set<string>() };
    group.tables.add(table);
    groups.set(id, group);
  }
  const found = new Map<string, { name: string; columns: SnowflakeColumn[] }>();
  for (const group of groups.values()) {
    const names = options.wholeSchemas ? [] : [...group.tables].sort();
    let rows: Record<string, CanonicalValue>[];
    try {
      rows = await db.query(catalogColumnsSql(group.database, names.length), [group.schema, ...names]);
    } catch (error) {
      if (error instanceof SnowflakeError && MISSING_OBJECT.has(error.snowflakeCode ?? '')) continue;
      throw error;
    }
    for (const row of rows) {
      const name = `${text(row.TABLE_CATALOG)}.${text(row.TABLE_SCHEMA)}.${text(row.TABLE_NAME)}`;
      let table = found.get(name);
      if (!table) {
        table = { name, columns: [] };
        found.set(name, table);
      }
      table.columns.push({
        name: text(row.COLUMN_NAME),
        ordinal: Number(text(row.ORDINAL_POSITION)),
        dataType: text(row.DATA_TYPE).toUpperCase(),
        length: optionalNumber(row.CHARACTER_MAXIMUM_LENGTH),
        precision: optionalNumber(row.NUMERIC_PRECISION),
        scale: optionalNumber(row.NUMERIC_SCALE),
        nullable: text(row.IS_NULLABLE).toUpperCase() === 'YES',
      });
    }
  }
  return { tables: new Map<string, SnowflakeTable>([...found].map(([name, t]) => [name, t])) };
}

function text(value: CanonicalValue | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}

function optionalNumber(value: CanonicalValue | undefined): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const n = Number(String(value));
  return Number.isFinite(n) ? n : undefined;
}
