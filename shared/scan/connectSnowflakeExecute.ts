import snowflake from 'snowflake-sdk';
import { z } from 'zod';
import { readConfig } from '../config/readConfig';
import type { SnowflakeExecute } from './SnowflakeScanSource';

/** Snowflake settings a scan needs; read only when `SNOWFLAKE_ACCOUNT` is set. */
export const snowflakeScanEnv = z.object({
  SNOWFLAKE_ACCOUNT: z.string().min(1),
  SNOWFLAKE_USER: z.string({ error: 'is not set: the Snowflake user to connect as' }).min(1),
  SNOWFLAKE_PASSWORD: z.string().optional(),
  SNOWFLAKE_PRIVATE_KEY_PATH: z.string().optional(),
  SNOWFLAKE_WAREHOUSE: z.string().optional(),
  SNOWFLAKE_ROLE: z.string().optional(),
  SNOWFLAKE_DATABASE: z.string().optional(),
  /** Full endpoint URL, for a non-default host (e.g. a local endpoint). */
  SNOWFLAKE_ACCESS_URL: z.string().url().optional(),
});
export type SnowflakeScanEnv = z.output<typeof snowflakeScanEnv>;

/** A connected {@link SnowflakeExecute} and the means to close it. */
export interface SnowflakeSession {
  readonly execute: SnowflakeExecute;
  readonly defaultDatabase: string | undefined;
  close(): Promise<void>;
}

/**
 * Connects with the Snowflake driver from environment settings (key-pair auth when a private key
 * path is given, password otherwise) and returns every value as text, as a scan wants it.
 */
export async function connectSnowflakeExecute(
  env: NodeJS.ProcessEnv = process.env,
): Promise<SnowflakeSession> {
  const config = readConfig(snowflakeScanEnv, env);
  snowflake.configure({ logLevel: 'ERROR' });
  const connection = snowflake.createConnection({
    account: config.SNOWFLAKE_ACCOUNT,
    username: config.SNOWFLAKE_USER,
    ...(config.SNOWFLAKE_PRIVATE_KEY_PATH
      ? { authenticator: 'SNOWFLAKE_JWT', privateKeyPath: config.SNOWFLAKE_PRIVATE_KEY_PATH }
      : { password: config.SNOWFLAKE_PASSWORD }),
    ...(config.SNOWFLAKE_WAREHOUSE ? { warehouse: config.SNOWFLAKE_WAREHOUSE } : {}),
    ...(config.SNOWFLAKE_ROLE ? { role: config.SNOWFLAKE_ROLE } : {}),
    ...(config.SNOWFLAKE_DATABASE ? { database: config.SNOWFLAKE_DATABASE } : {}),
    ...(config.SNOWFLAKE_ACCESS_URL ? { accessUrl: config.SNOWFLAKE_ACCESS_URL } : {}),
  });
  // connectAsync resolves even when the login fails; the callback form reports it.
  await new Promise<void>((resolve, reject) => {
    connection.connect((error) => (error ? reject(error) : resolve()));
  });
  return {
    execute: snowflakeExecuteOn(connection),
    defaultDatabase: config.SNOWFLAKE_DATABASE,
    close: () =>
      new Promise((resolve) => {
        connection.destroy(() => resolve());
      }),
  };
}

/** A {@link SnowflakeExecute} over a connected driver connection, fetching every value as text. */
export function snowflakeExecuteOn(connection: snowflake.Connection): SnowflakeExecute {
  return (sqlText, binds) =>
    new Promise((resolve, reject) => {
      connection.execute({
        sqlText,
        binds: [...binds],
        fetchAsString: ['String', 'Boolean', 'Number', 'Date', 'JSON', 'Buffer'],
        complete: (error, _statement, rows) => {
          if (error) reject(error);
          else resolve((rows ?? []) as Record<string, string | null>[]);
        },
      });
    });
}
