import { readFileSync } from 'node:fs';
import type { PostgresEnv } from '../config/readConfig';
import type { CredentialSource } from './CredentialSource';
import { PgDatabase, type PgDatabaseOptions } from './PgDatabase';

/** Builds the process's {@link PgDatabase} from the parsed PostgreSQL settings and a credential source. */
export function openPgDatabase(
  env: PostgresEnv,
  credentials: CredentialSource,
  onIdleClientError?: (error: Error) => void,
  options: Pick<PgDatabaseOptions, 'connectRetry'> = {},
): PgDatabase {
  return new PgDatabase({
    credentials,
    poolMax: env.PG_POOL_MAX,
    connectTimeoutMs: env.PG_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: env.PG_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: env.PG_IDLE_IN_TX_TIMEOUT_MS,
    applicationName: env.PG_APPLICATION_NAME,
    tls: {
      mode: env.PG_SSLMODE,
      ...(env.PG_SSLROOTCERT ? { ca: readFileSync(env.PG_SSLROOTCERT, 'utf8') } : {}),
    },
    onIdleClientError,
    ...options,
  });
}
