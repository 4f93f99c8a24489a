import type { z } from 'zod';
import { readConfig } from '../../shared/config/readConfig';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
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

/** The configuration of a function that writes evidence or the ledger into Snowflake. */
export interface EvidenceWriterConfig<E> {
  readonly env: E;
  readonly dataMap: DataMap;
  readonly snowflake: SnowflakeSettings;
  readonly location: LoadLocation;
}

/**
 * Parses a function's own settings with `schema`, its Snowflake settings (`why` says what it needs
 * them for) and where the evidence lands, and reads its data map: the gate, the loader and the
 * dead-letter recorder start this way.
 */
export function evidenceWriterConfig<S extends z.ZodType<{ readonly DSR_DATAMAP_PATH: string }>>(
  schema: S,
  rawEnv: NodeJS.ProcessEnv,
  readDataMap: (path: string) => DataMap,
  why: string,
): EvidenceWriterConfig<z.output<S>> {
  const env = readConfig(schema, rawEnv);
  const snowflake = snowflakeSettings(rawEnv, why);
  return {
    env,
    dataMap: readDataMap(env.DSR_DATAMAP_PATH),
    snowflake,
    location: evidenceLocationOf(snowflake.env),
  };
}
