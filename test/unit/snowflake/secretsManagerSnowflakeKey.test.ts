import { generateKeyPairSync } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerSnowflakeKey } from '../../../adapters/aws/SecretsManagerSnowflakeKey';
import { ConfigError } from '../../../shared/errors/errors';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PKCS8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PKCS1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const sm = mockClient(SecretsManagerClient);

const key = (secretId: string, passphrase?: string) =>
  new SecretsManagerSnowflakeKey({
    secretId,
    passphrase,
    client: new SecretsManagerClient({ region: 'eu-west-1' }),
  });

describe('Class: SecretsManagerSnowflakeKey', () => {
  beforeEach(() => {
    sm.reset();
  });

  describe('Method: get', () => {
    it('returns a PEM secret as unencrypted PKCS#8', async () => {
      sm.on(GetSecretValueCommand, { SecretId: 'dsr/key' }).resolves({ SecretString: PKCS1 });
      expect(await key('dsr/key').get()).toBe(PKCS8);
    });

    it('reads the key from a JSON secret, decrypting it with the passphrase', async () => {
      const encrypted = privateKey.export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: 'pw',
      });
      sm.on(GetSecretValueCommand, { SecretId: 'dsr/json' }).resolves({
        SecretString: JSON.stringify({ privateKey: encrypted }),
      });
      expect(await key('dsr/json', 'pw').get()).toBe(PKCS8);
    });

    it('caches the secret', async () => {
      sm.on(GetSecretValueCommand).resolves({ SecretString: PKCS8 });
      const source = key('dsr/cached');
      await source.get();
      await source.get();
      expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    });

    it('fails with a configuration error that shows no secret material', async () => {
      sm.on(GetSecretValueCommand, { SecretId: 'dsr/bad' }).resolves({
        SecretString: '{"password":"hunter2"}',
      });
      const error = await key('dsr/bad')
        .get()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toBe(
        'SNOWFLAKE_PRIVATE_KEY_SECRET_ID: the secret JSON has no privateKey field',
      );
      expect((error as Error).message).not.toContain('hunter2');
      sm.on(GetSecretValueCommand, { SecretId: 'dsr/garbage' }).resolves({ SecretString: 'not a key' });
      await expect(key('dsr/garbage').get()).rejects.toThrow(/is not a PEM private key/);
    });
  });
});
