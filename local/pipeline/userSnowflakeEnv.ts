/**
 * The handlers' Snowflake settings when the user points `dsr up` at their own account
 * (`SNOWFLAKE_*` set): every `SNOWFLAKE_*` variable of the user's environment replaces the local
 * endpoint's, and the endpoint's password and URL are cleared unless the user set their own (an
 * empty value reads as unset). The erase function's Snowflake users (erasure and read-only) are the
 * user's own: separate users need their keys in Secrets Manager, which only a deployment has.
 */
export function userSnowflakeEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {
    SNOWFLAKE_PASSWORD: '',
    SNOWFLAKE_ACCESS_URL: '',
    SNOWFLAKE_ROLE: '',
    SNOWFLAKE_WAREHOUSE: '',
  };
  for (const [name, value] of Object.entries(env))
    if (name.startsWith('SNOWFLAKE_') && value !== undefined) out[name] = value;
  out.SNOWFLAKE_ERASURE_USER = out.SNOWFLAKE_USER ?? '';
  out.SNOWFLAKE_ERASURE_ROLE = out.SNOWFLAKE_ROLE ?? '';
  out.SNOWFLAKE_ERASURE_PASSWORD = out.SNOWFLAKE_PASSWORD ?? '';
  out.SNOWFLAKE_READER_USER = out.SNOWFLAKE_USER ?? '';
  out.SNOWFLAKE_READER_ROLE = out.SNOWFLAKE_ROLE ?? '';
  out.SNOWFLAKE_READER_PASSWORD = out.SNOWFLAKE_PASSWORD ?? '';
  return out;
}
