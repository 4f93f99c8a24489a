import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import {
  SnowflakeDatabase,
  type SnowflakeDatabaseOptions,
} from '../../../shared/snowflake/SnowflakeDatabase';

/** A SnowflakeDatabase on a local endpoint, password-authenticated as user DSR, with short deadlines. */
export function openTestSnowflakeDatabase(
  sf: LocalSnowflake,
  options: Partial<SnowflakeDatabaseOptions> = {},
): SnowflakeDatabase {
  return new SnowflakeDatabase({
    account: sf.account,
    user: 'DSR',
    password: 'dsr',
    accessUrl: sf.url,
    statementTimeoutMs: 10_000,
    loginTimeoutMs: 10_000,
    networkTimeoutMs: 5_000,
    ...options,
  });
}
