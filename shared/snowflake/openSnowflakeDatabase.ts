import { InvalidArgumentError } from '../errors/errors';
import { FilePrivateKeySource, type PrivateKeySource } from './PrivateKeySource';
import { SnowflakeDatabase } from './SnowflakeDatabase';
import type { SnowflakeConnectionSettings } from './snowflakeEnv';

/**
 * Builds the process's {@link SnowflakeDatabase} from validated settings. A key held in Secrets
 * Manager needs its source passed in (the AWS adapter), so domain code imports no AWS client.
 */
export function openSnowflakeDatabase(
  settings: SnowflakeConnectionSettings,
  keySources: {
    readonly secret?: (secretId: string, passphrase: string | undefined) => PrivateKeySource;
  } = {},
): SnowflakeDatabase {
  const auth = settings.auth;
  let credentials: { privateKey: PrivateKeySource } | { password: string };
  switch (auth.kind) {
    case 'key-pair-file':
      credentials = { privateKey: new FilePrivateKeySource(auth.path, auth.passphrase) };
      break;
    case 'key-pair-secret': {
      if (!keySources.secret)
        throw new InvalidArgumentError(
          'a Secrets Manager key source is needed for SNOWFLAKE_PRIVATE_KEY_SECRET_ID',
        );
      credentials = { privateKey: keySources.secret(auth.secretId, auth.passphrase) };
      break;
    }
    case 'password':
      credentials = { password: auth.password };
      break;
  }
  return new SnowflakeDatabase({
    account: settings.account,
    user: settings.user,
    ...credentials,
    accessUrl: settings.accessUrl,
    warehouse: settings.warehouse,
    database: settings.database,
    schema: settings.schema,
    role: settings.role,
    proxy: settings.proxy,
    statementTimeoutMs: settings.statementTimeoutMs,
    loginTimeoutMs: settings.loginTimeoutMs,
    networkTimeoutMs: settings.networkTimeoutMs,
  });
}
