import { SecretsManagerSnowflakeKey } from '../../adapters/aws/SecretsManagerSnowflakeKey';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import { configureSnowflakeDriver } from '../../shared/snowflake/configureSnowflakeDriver';
import { openSnowflakeDatabase } from '../../shared/snowflake/openSnowflakeDatabase';
import type { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import { SnowflakeTableSearcher } from '../../shared/snowflake/SnowflakeTableSearcher';
import type { StageRuntime } from './StageRuntime';
import type { SnowflakeSettings } from './snowflakeSettings';

/**
 * A function's Snowflake connection (one per container, reused), from settings parsed at cold
 * start. This module imports the driver: the extractors load it with `import()` only when their
 * data map has Snowflake tables, so a PostgreSQL-only extractor never initialises it.
 */
export function openSnowflake(settings: SnowflakeSettings, runtime: StageRuntime = {}): SnowflakeDatabase {
  configureSnowflakeDriver({ logLevel: settings.env.SNOWFLAKE_LOG_LEVEL });
  return openSnowflakeDatabase(settings.connection, {
    secret: (secretId, passphrase) =>
      new SecretsManagerSnowflakeKey({
        secretId,
        ...(passphrase ? { passphrase } : {}),
        ...(runtime.secrets ? { client: runtime.secrets } : {}),
      }),
  });
}

/** A Snowflake searcher for cross-system discovery, checked against the live catalog. */
export async function openSnowflakeSearcher(
  settings: SnowflakeSettings,
  dataMap: DataMap,
  file: string,
  runtime: StageRuntime = {},
  options: { readonly mirrors?: boolean } = {},
): Promise<SnowflakeTableSearcher> {
  return SnowflakeTableSearcher.create(openSnowflake(settings, runtime), dataMap, file, options);
}
