import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../../shared/errors/errors';
import { configureSnowflakeDriver } from '../../shared/snowflake/configureSnowflakeDriver';
import { openSnowflakeDatabase } from '../../shared/snowflake/openSnowflakeDatabase';
import type { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import {
  loadLocationFromEnv,
  readSnowflakeEnv,
  type SnowflakeEnv,
  snowflakeConnectionSettings,
} from '../../shared/snowflake/snowflakeEnv';
import type { LoadLocation } from '../../shared/snowflake/statements';
import { SecretsManagerSnowflakeKey } from './SecretsManagerSnowflakeKey';

/** A Snowflake connection opened from the environment, and where the evidence lands. */
export interface SnowflakeSetup {
  readonly env: SnowflakeEnv;
  readonly db: SnowflakeDatabase;
  /** Where `DSR_FINDINGS` and `DSR_LEDGER` live, when configured. */
  readonly location: LoadLocation | undefined;
}

/**
 * Opens the Snowflake client from the environment, for the functions and the command line alike:
 * a key pair from a file (`SNOWFLAKE_PRIVATE_KEY_PATH`) or from Secrets Manager
 * (`SNOWFLAKE_PRIVATE_KEY_SECRET_ID`, or `SNOWFLAKE_SECRET_ARN` as the stack passes it), a password
 * only towards a loopback endpoint.
 */
export function openSnowflakeFromEnv(
  rawEnv: NodeJS.ProcessEnv,
  options: { readonly secrets?: SecretsManagerClient } = {},
): SnowflakeSetup {
  const env = readSnowflakeEnv({
    ...rawEnv,
    ...(rawEnv.SNOWFLAKE_SECRET_ARN && !rawEnv.SNOWFLAKE_PRIVATE_KEY_SECRET_ID
      ? { SNOWFLAKE_PRIVATE_KEY_SECRET_ID: rawEnv.SNOWFLAKE_SECRET_ARN }
      : {}),
  });
  configureSnowflakeDriver({ logLevel: env.SNOWFLAKE_LOG_LEVEL });
  const db = openSnowflakeDatabase(snowflakeConnectionSettings(env), {
    secret: (secretId, passphrase) =>
      new SecretsManagerSnowflakeKey({
        secretId,
        ...(passphrase ? { passphrase } : {}),
        ...(options.secrets ? { client: options.secrets } : {}),
      }),
  });
  return { env, db, location: loadLocationFromEnv(env) };
}

/** Where the evidence lands; a clear error when it is not configured. */
export function evidenceLocation(setup: SnowflakeSetup): LoadLocation {
  if (!setup.location)
    throw new ConfigError(
      'SNOWFLAKE_LOAD_DATABASE',
      'is not set (nor SNOWFLAKE_DATABASE and SNOWFLAKE_SCHEMA): where the evidence lands',
    );
  return setup.location;
}
