import type { LocalSnowflake } from './startLocalSnowflake';

/** The login every local endpoint accepts unless told otherwise. */
export const LOCAL_LOGIN = { user: 'DSR', password: 'dsr' } as const;

/**
 * The environment that points `dsr` (and any `snowflake-sdk` program reading the same names) at a
 * local endpoint: account, URL, login, warehouse, database and schema, the evidence location, and
 * the driver switches a loopback endpoint needs (no cloud platform probe, no OCSP cache server).
 */
export function localSnowflakeEnv(
  server: Pick<LocalSnowflake, 'url' | 'account'>,
  session: { readonly warehouse: string; readonly database: string; readonly schema: string },
): Record<string, string> {
  return {
    SNOWFLAKE_ACCOUNT: server.account,
    SNOWFLAKE_ACCESS_URL: server.url,
    SNOWFLAKE_USER: LOCAL_LOGIN.user,
    SNOWFLAKE_PASSWORD: LOCAL_LOGIN.password,
    SNOWFLAKE_WAREHOUSE: session.warehouse,
    SNOWFLAKE_DATABASE: session.database,
    SNOWFLAKE_SCHEMA: session.schema,
    SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
    SF_OCSP_RESPONSE_CACHE_SERVER_ENABLED: 'false',
  };
}

/** `export NAME='value'` lines a POSIX shell sources; values single-quoted. */
export function formatEnvFile(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}='${value.replaceAll("'", `'\\''`)}'\n`)
    .join('');
}
