import { readConfig } from '../../shared/config/readConfig';
import { ConfigError } from '../../shared/errors/errors';
import {
  loadLocationFromEnv,
  type SnowflakeConnectionSettings,
  type SnowflakeEnv,
  snowflakeConnectionSettings,
  snowflakeEnv,
} from '../../shared/snowflake/snowflakeEnv';
import type { LoadLocation } from '../../shared/snowflake/statements';

/** A function's Snowflake settings, parsed and checked at cold start. */
export interface SnowflakeSettings {
  readonly env: SnowflakeEnv;
  readonly connection: SnowflakeConnectionSettings;
}

/**
 * Parses the Snowflake settings of a function that needs them (`why` says for what), failing at
 * cold start with the variable's name: `SNOWFLAKE_ACCOUNT` and what it is needed for when the
 * settings are absent, the first bad one otherwise, and the combinations a schema cannot check
 * (one way to authenticate, a proxy host with its port, a password only towards a loopback endpoint).
 */
export function snowflakeSettings(rawEnv: NodeJS.ProcessEnv, why: string): SnowflakeSettings {
  if (!rawEnv.SNOWFLAKE_ACCOUNT) throw new ConfigError('SNOWFLAKE_ACCOUNT', `is not set: ${why}`);
  const env = readConfig(snowflakeEnv, rawEnv);
  return { env, connection: snowflakeConnectionSettings(env) };
}

/** Where the evidence lands (`DSR_FINDINGS`, `DSR_LEDGER`); required of the gate and the loader. */
export function evidenceLocationOf(env: SnowflakeEnv): LoadLocation {
  // Upper-cased as Snowflake reads an unquoted name (see loadLocationFromEnv).
  const location = loadLocationFromEnv(env);
  if (!location)
    throw new ConfigError(
      (env.SNOWFLAKE_LOAD_DATABASE ?? env.SNOWFLAKE_DATABASE) ? 'SNOWFLAKE_SCHEMA' : 'SNOWFLAKE_DATABASE',
      'is not set (nor SNOWFLAKE_LOAD_DATABASE and SNOWFLAKE_LOAD_SCHEMA): where the evidence lands',
    );
  return location;
}
