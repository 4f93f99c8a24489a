import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ConfigError } from '../../shared/errors/errors';
import type { CredentialSource, PgCredentials } from '../../shared/postgres/CredentialSource';
import { awsCall } from './classifyAwsError';

/** The JSON an RDS-managed or rotation-Lambda-managed PostgreSQL secret holds. */
const rdsSecret = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535).default(5432),
  username: z.string().min(1),
  password: z.string().min(1),
  dbname: z.string().min(1).default('postgres'),
});

export interface SecretsManagerCredentialSourceOptions {
  /** Secret name or ARN. */
  readonly secretId: string;
  /** Seconds a fetched secret is reused. @default 300 */
  readonly maxAgeSeconds?: number;
  /** An SDK client to use (tests inject one; Lambda builds one at module scope). */
  readonly client?: SecretsManagerClient;
}

/**
 * PostgreSQL credentials from Secrets Manager, through Powertools' cached provider. It reads only
 * the AWSCURRENT stage; after the server rejects a password the pool asks with `forceRefresh`, which
 * bypasses the cache, so a rotated password is picked up at once.
 */
export class SecretsManagerCredentialSource implements CredentialSource {
  private readonly provider: SecretsProvider;

  constructor(private readonly options: SecretsManagerCredentialSourceOptions) {
    this.provider = new SecretsProvider(options.client ? { awsSdkV3Client: options.client } : {});
  }

  async get(options: { forceRefresh?: boolean } = {}): Promise<PgCredentials> {
    const value = await awsCall('secretsmanager', 'GetSecretValue', () =>
      this.provider.get(this.options.secretId, {
        maxAge: this.options.maxAgeSeconds ?? 300,
        forceFetch: options.forceRefresh ?? false,
        transform: 'json',
      }),
    );
    const parsed = rdsSecret.safeParse(value);
    if (!parsed.success) {
      // Name the fields at fault, never their values.
      const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
      throw new ConfigError('PG_SECRET_ARN', `the secret is not RDS-style JSON (problem with: ${fields})`);
    }
    const s = parsed.data;
    return { host: s.host, port: s.port, user: s.username, password: s.password, database: s.dbname };
  }
}
