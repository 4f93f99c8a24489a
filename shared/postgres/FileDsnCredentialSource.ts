import { readFile } from 'node:fs/promises';
import type { CredentialSource, PgCredentials } from './CredentialSource';
import { DsnCredentialSource } from './DsnCredentialSource';

/**
 * Credentials from a file holding a connection string (`PG_DSN_FILE`, e.g. a mounted secret), read
 * again on every fetch: a rotation that rewrites the file is picked up on the next 28P01.
 */
export class FileDsnCredentialSource implements CredentialSource {
  constructor(private readonly path: string) {}

  async get(): Promise<PgCredentials> {
    const dsn = (await readFile(this.path, 'utf8')).trim();
    return new DsnCredentialSource(dsn, 'PG_DSN_FILE').get();
  }
}
