import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../../shared/errors/errors';
import { type PrivateKeySource, toPkcs8Pem } from '../../shared/snowflake/PrivateKeySource';
import { awsCall } from './classifyAwsError';

export interface SecretsManagerSnowflakeKeyOptions {
  /** Secret name or ARN. */
  readonly secretId: string;
  /** Passphrase of an encrypted key. */
  readonly passphrase?: string;
  /** Seconds a fetched secret is reused. @default 300 */
  readonly maxAgeSeconds?: number;
  /** An SDK client to use (tests inject one; Lambda builds one at module scope). */
  readonly client?: SecretsManagerClient;
}

/**
 * The Snowflake key-pair private key from Secrets Manager, through Powertools' cached provider. The
 * secret holds the PEM itself, or JSON with the PEM under `privateKey` (or `private_key`).
 */
export class SecretsManagerSnowflakeKey implements PrivateKeySource {
  private readonly provider: SecretsProvider;

  constructor(private readonly options: SecretsManagerSnowflakeKeyOptions) {
    this.provider = new SecretsProvider(options.client ? { awsSdkV3Client: options.client } : {});
  }

  async get(): Promise<string> {
    const value = await awsCall('secretsmanager', 'GetSecretValue', () =>
      this.provider.get(this.options.secretId, { maxAge: this.options.maxAgeSeconds ?? 300 }),
    );
    if (typeof value !== 'string' || value.trim() === '')
      throw new ConfigError('SNOWFLAKE_PRIVATE_KEY_SECRET_ID', 'the secret has no string value');
    return toPkcs8Pem(pemOf(value), this.options.passphrase, 'SNOWFLAKE_PRIVATE_KEY_SECRET_ID');
  }
}

function pemOf(value: string): string {
  const text = value.trim();
  if (!text.startsWith('{')) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError('SNOWFLAKE_PRIVATE_KEY_SECRET_ID', 'the secret is neither a PEM key nor JSON');
  }
  const fields = parsed as { privateKey?: unknown; private_key?: unknown };
  const pem = fields.privateKey ?? fields.private_key;
  if (typeof pem !== 'string')
    throw new ConfigError('SNOWFLAKE_PRIVATE_KEY_SECRET_ID', 'the secret JSON has no privateKey field');
  return pem;
}
