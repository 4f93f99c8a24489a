import type { DataMap } from '../../shared/datamap/dataMapSchema';
import type { PgDatabase } from '../../shared/postgres/PgDatabase';
import { type PgColumn, readPgCatalog } from '../../shared/postgres/readPgCatalog';
import type { LocalSnowflake } from '../snowflake/startLocalSnowflake';

/** The Snowflake type a replication tool would give a PostgreSQL column (see the README's mapping). */
export function mirrorType(column: PgColumn): string {
  const t = column.typeName;
  if (t.endsWith('[]')) return 'ARRAY';
  if (/^(bigint|integer|smallint)$/.test(t)) return 'NUMBER(38,0)';
  const numeric = /^numeric\((\d+),(\d+)\)$/.exec(t);
  if (numeric) return `NUMBER(${numeric[1]},${numeric[2]})`;
  if (t === 'numeric') return 'NUMBER(38,18)';
  if (t === 'double precision' || t === 'real') return 'FLOAT';
  const sized = /^(character varying|character)\((\d+)\)$/.exec(t);
  if (sized) return `VARCHAR(${sized[2]})`;
  if (t === 'boolean') return 'BOOLEAN';
  if (t === 'date') return 'DATE';
  if (t === 'timestamp with time zone') return 'TIMESTAMP_TZ';
  if (t === 'timestamp without time zone') return 'TIMESTAMP_NTZ';
  if (t === 'jsonb' || t === 'json') return 'VARIANT';
  if (t === 'uuid') return 'VARCHAR(36)';
  if (t === 'bytea') return 'BINARY';
  return 'VARCHAR';
}

/**
 * Seeds the local warehouse: the mirrors the data map names (created from the live PostgreSQL
 * catalog, as a replication tool would; `drift` overrides a column's type to simulate drift), the
 * warehouse-only tables with rows for the demo's subjects, and the evidence schema.
 */
export async function seedWarehouse(
  sf: LocalSnowflake,
  db: PgDatabase,
  map: DataMap,
  options: { drift: Record<string, Record<string, string>>; evidence: { database: string; schema: string } },
): Promise<void> {
  for (const statement of [
    'CREATE DATABASE IF NOT EXISTS ANALYTICS',
    'CREATE SCHEMA IF NOT EXISTS ANALYTICS.PUBLIC',
    `CREATE DATABASE IF NOT EXISTS ${options.evidence.database}`,
    `CREATE SCHEMA IF NOT EXISTS ${options.evidence.database}.${options.evidence.schema}`,
  ])
    await sf.sql(statement);
  const catalog = await readPgCatalog(db, ['public']);
  for (const spec of map.postgres) {
    if (!spec.mirror) continue;
    const table = catalog.tables.get(spec.table);
    if (!table) throw new Error(`${spec.table} is not in the database`);
    const drift = options.drift[spec.mirror] ?? {};
    const columns = table.columns
      .filter((c) => !spec.exclude.includes(c.name))
      .map((c) => `${c.name.toUpperCase()} ${drift[c.name.toUpperCase()] ?? mirrorType(c)}`);
    await sf.sql(`CREATE TABLE IF NOT EXISTS ${spec.mirror} (${columns.join(', ')})`);
  }
  await sf.sql(`CREATE TABLE IF NOT EXISTS ANALYTICS.PUBLIC.WEB_SESSIONS (
    SESSION_ID VARCHAR(36), USER_ID NUMBER(38,0), STARTED_AT TIMESTAMP_TZ, PAGE_VIEWS NUMBER(10,0), DEVICE VARIANT)`);
  const sessions: [string, string, string, string, string][] = [
    [
      '5e3a0000-0000-4000-8000-000000000001',
      '900000001',
      '2025-01-02T10:00:00.123456+01:00',
      '12',
      '{"ua": "Firefox 133", "screen": [1920, 1080]}',
    ],
    [
      '5e3a0000-0000-4000-8000-000000000002',
      '900000001',
      '2025-01-05T21:30:00+00:00',
      '3',
      '{"ua": "Safari 18", "app": {"version": "4.2.0", "build": 123456789012345678901234567890}}',
    ],
    [
      '5e3a0000-0000-4000-8000-000000000003',
      '900000002',
      '2025-02-01T08:15:00-05:00',
      '1',
      '{"ua": "Chrome 131"}',
    ],
  ];
  for (const [id, user, at, views, device] of sessions)
    await sf.sql(
      'INSERT INTO ANALYTICS.PUBLIC.WEB_SESSIONS (SESSION_ID, USER_ID, STARTED_AT, PAGE_VIEWS, DEVICE) SELECT ?, ?::NUMBER, TO_TIMESTAMP_TZ(?), ?::NUMBER, PARSE_JSON(?)',
      [id, user, at, views, device],
    );
}
