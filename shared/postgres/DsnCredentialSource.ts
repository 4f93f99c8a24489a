import { parse } from 'pg-connection-string';
import { ConfigError } from '../errors/errors';
import type { CredentialSource, PgCredentials } from './CredentialSource';

/** Credentials from a connection string (`PG_DSN` locally). */
export class DsnCredentialSource implements CredentialSource {
  private readonly credentials: PgCredentials;

  constructor(dsn: string, variable = 'PG_DSN') {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(dsn);
    } catch (cause) {
      throw new ConfigError(variable, `not a PostgreSQL connection string (${(cause as Error).message})`);
    }
    if (!parsed.host || !parsed.database) {
      throw new ConfigError(variable, 'expected postgres://user:password@host:port/database');
    }
    this.credentials = {
      host: parsed.host,
      port: parsed.port ? Number(parsed.port) : 5432,
      user: parsed.user ?? 'postgres',
      password: parsed.password ?? '',
      database: parsed.database,
    };
  }

  async get(): Promise<PgCredentials> {
    return this.credentials;
  }
}
