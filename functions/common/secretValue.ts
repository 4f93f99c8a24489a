import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsCall } from '../../adapters/aws/classifyAwsError';
import { ConfigError } from '../../shared/errors/errors';

/**
 * A secret given either as a plain value (local runtime) or as a Secrets Manager ARN (AWS), read
 * through Powertools' cached provider. A JSON secret may name the field holding the value.
 */
export function secretValue(
  plain: string | undefined,
  arn: string | undefined,
  variable: string,
  options: { client?: SecretsManagerClient; field?: string; maxAgeSeconds?: number } = {},
): () => Promise<string> {
  if (plain !== undefined) return async () => plain;
  if (arn === undefined) throw new ConfigError(variable, 'is not set (nor its _SECRET_ARN)');
  const provider = new SecretsProvider(options.client ? { awsSdkV3Client: options.client } : {});
  return async () => {
    const value = await awsCall('secretsmanager', 'GetSecretValue', () =>
      provider.get(arn, { maxAge: options.maxAgeSeconds ?? 300 }),
    );
    if (typeof value !== 'string' || value === '')
      throw new ConfigError(`${variable}_SECRET_ARN`, 'the secret is empty');
    if (!options.field || !value.trimStart().startsWith('{')) return value;
    const field = (JSON.parse(value) as Record<string, unknown>)[options.field];
    if (typeof field !== 'string')
      throw new ConfigError(`${variable}_SECRET_ARN`, `the secret has no "${options.field}"`);
    return field;
  };
}
