import { SecretsManagerSnowflakeKey } from '../../adapters/aws/SecretsManagerSnowflakeKey';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import { configureSnowflakeDriver } from '../../shared/snowflake/configureSnowflakeDriver';
import { openSnowflakeDatabase } from '../../shared/snowflake/openSnowflakeDatabase';
import { type SnowflakeDatabase, snowflakeQueryTag } from '../../shared/snowflake/SnowflakeDatabase';
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

/** A searcher for cross-system discovery, its session, and how to tag one request's statements. */
export interface OpenedSnowflakeSearcher {
  readonly searcher: SnowflakeTableSearcher;
  /** The searcher's session: an erasure plan's Snowflake part is checked against its catalog through it. */
  readonly db: SnowflakeDatabase;
  /**
   * Runs `work` with every statement it sends tagged `dsr-bridge:<stage>:<hash of the request id>`
   * (`QUERY_TAG`), so operators find a request's searches in `QUERY_HISTORY`.
   */
  forRequest<T>(requestId: string, work: () => Promise<T>): Promise<T>;
}

/** A Snowflake searcher for cross-system discovery, checked against the live catalog. */
export async function openSnowflakeSearcher(
  settings: SnowflakeSettings,
  dataMap: DataMap,
  file: string,
  runtime: StageRuntime = {},
  options: { readonly mirrors?: boolean; readonly stage: string },
): Promise<OpenedSnowflakeSearcher> {
  const db = openSnowflake(settings, runtime);
  const searcher = await SnowflakeTableSearcher.create(db, dataMap, file, {
    mirrors: options.mirrors ?? false,
  });
  return {
    searcher,
    db,
    forRequest: (requestId, work) => db.withQueryTag(snowflakeQueryTag(options.stage, requestId), work),
  };
}
