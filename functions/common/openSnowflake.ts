import { SecretsManagerSnowflakeKey } from '../../adapters/aws/SecretsManagerSnowflakeKey';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import { ConfigError } from '../../shared/errors/errors';
import { configureSnowflakeDriver } from '../../shared/snowflake/configureSnowflakeDriver';
import { openSnowflakeDatabase } from '../../shared/snowflake/openSnowflakeDatabase';
import type { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import { SnowflakeTableSearcher } from '../../shared/snowflake/SnowflakeTableSearcher';
import {
  readSnowflakeEnv,
  type SnowflakeEnv,
  snowflakeConnectionSettings,
} from '../../shared/snowflake/snowflakeEnv';
import type { LoadLocation } from '../../shared/snowflake/statements';
import type { StageRuntime } from './StageRuntime';

/** The process's Snowflake connection: one per container, reused across invocations. */
export interface SnowflakeSetup {
  readonly env: SnowflakeEnv;
  readonly db: SnowflakeDatabase;
  /** Where `DSR_FINDINGS` and `DSR_LEDGER` live. */
  readonly location: LoadLocation;
}

/**
 * Opens the Snowflake connection from the environment. In AWS the stack passes the key-pair secret
 * as `SNOWFLAKE_SECRET_ARN`; the local runtime passes a password for its loopback endpoint.
 */
export function openSnowflake(rawEnv: NodeJS.ProcessEnv, runtime: StageRuntime = {}): SnowflakeSetup {
  const env = readSnowflakeEnv({
    ...rawEnv,
    ...(rawEnv.SNOWFLAKE_SECRET_ARN && !rawEnv.SNOWFLAKE_PRIVATE_KEY_SECRET_ID
      ? { SNOWFLAKE_PRIVATE_KEY_SECRET_ID: rawEnv.SNOWFLAKE_SECRET_ARN }
      : {}),
  });
  configureSnowflakeDriver({ logLevel: env.SNOWFLAKE_LOG_LEVEL });
  const settings = snowflakeConnectionSettings(env);
  const db = openSnowflakeDatabase(settings, {
    secret: (secretId, passphrase) =>
      new SecretsManagerSnowflakeKey({
        secretId,
        ...(passphrase ? { passphrase } : {}),
        ...(runtime.secrets ? { client: runtime.secrets } : {}),
      }),
  });
  const database = env.SNOWFLAKE_LOAD_DATABASE ?? env.SNOWFLAKE_DATABASE;
  const schema = env.SNOWFLAKE_LOAD_SCHEMA ?? env.SNOWFLAKE_SCHEMA;
  if (!database || !schema)
    throw new ConfigError(
      'SNOWFLAKE_LOAD_DATABASE',
      'is not set (nor SNOWFLAKE_DATABASE): where the evidence lands',
    );
  return { env, db, location: { database, schema } };
}

/** A Snowflake searcher for cross-system discovery, checked against the live catalog. */
export async function openSnowflakeSearcher(
  rawEnv: NodeJS.ProcessEnv,
  dataMap: DataMap,
  file: string,
  runtime: StageRuntime = {},
  options: { readonly mirrors?: boolean } = {},
): Promise<SnowflakeTableSearcher> {
  const { db } = openSnowflake(rawEnv, runtime);
  return SnowflakeTableSearcher.create(db, dataMap, file, options);
}
