/** What a pool needs to open a connection. */
export interface PgCredentials {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/**
 * Port through which the pool gets its credentials: a DSN locally, a rotated Secrets Manager
 * secret in AWS. `forceRefresh` bypasses any cache; the pool asks for it once after the server
 * rejects a password (SQLSTATE 28P01), so a rotation in the middle of a sweep costs no request.
 */
export interface CredentialSource {
  get(options?: { forceRefresh?: boolean }): Promise<PgCredentials>;
}
