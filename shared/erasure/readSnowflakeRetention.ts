import type { DataMap } from '../datamap/dataMapSchema';
import { quoteSnowflakeIdent } from '../snowflake/quoteSnowflakeIdent';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import type { RetentionFacts } from './buildErasureReceipt';

/**
 * Reads each table's Time Travel retention (`RETENTION_TIME`, the effective
 * `DATA_RETENTION_TIME_IN_DAYS`) and whether it is transient (no Fail-safe) from the database's
 * `INFORMATION_SCHEMA.TABLES`, for the receipt's "unrecoverable after".
 * https://docs.snowflake.com/en/sql-reference/info-schema/tables
 * https://docs.snowflake.com/en/user-guide/data-failsafe
 */
export async function readSnowflakeRetention(
  db: SnowflakeDatabase,
  tables: readonly string[],
): Promise<NonNullable<RetentionFacts['snowflake']>> {
  const facts: Record<string, { retentionDays: number; transient: boolean }> = {};
  const byDatabase = new Map<string, string[]>();
  for (const t of tables) {
    const database = t.split('.')[0] as string;
    byDatabase.set(database, [...(byDatabase.get(database) ?? []), t]);
  }
  for (const [database, names] of [...byDatabase].sort()) {
    const rows = await db.query(
      `SELECT TABLE_SCHEMA, TABLE_NAME, RETENTION_TIME, IS_TRANSIENT FROM ${quoteSnowflakeIdent(database)}.INFORMATION_SCHEMA.TABLES WHERE TABLE_TYPE = 'BASE TABLE'`,
    );
    for (const row of rows) {
      const name = `${database}.${row.TABLE_SCHEMA}.${row.TABLE_NAME}`;
      if (!names.includes(name)) continue;
      facts[name] = { retentionDays: Number(row.RETENTION_TIME ?? 0), transient: row.IS_TRANSIENT === 'YES' };
    }
  }
  return facts;
}

/**
 * Everything the receipt states of when erased data becomes unrecoverable: each mapped Snowflake
 * table's retention (read through `snowflake`, when the map has Snowflake tables) and the
 * PostgreSQL backup retention the operator configured.
 */
export async function readRetentionFacts(
  snowflake: SnowflakeDatabase | undefined,
  dataMap: DataMap,
  postgresBackupRetentionDays: number | undefined,
): Promise<RetentionFacts> {
  return {
    ...(snowflake && dataMap.snowflake.length > 0
      ? {
          snowflake: await readSnowflakeRetention(
            snowflake,
            dataMap.snowflake.map((t) => t.table),
          ),
        }
      : {}),
    ...(postgresBackupRetentionDays !== undefined ? { postgresBackupRetentionDays } : {}),
  };
}
