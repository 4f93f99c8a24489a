import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { ConfigError } from '../../../shared/errors/errors';
import { configureSnowflakeDriver } from '../../../shared/snowflake/configureSnowflakeDriver';
import { SnowflakeError } from '../../../shared/snowflake/errors';
import { openSnowflakeDatabase } from '../../../shared/snowflake/openSnowflakeDatabase';
import { readSnowflakeEnv, snowflakeConnectionSettings } from '../../../shared/snowflake/snowflakeEnv';
import { startTestSnowflake } from '../../support/snowflake';

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const registered = rsa();
const stranger = rsa();

let sf: LocalSnowflake;
let dir: string;

beforeAll(async () => {
  configureSnowflakeDriver({ logLevel: 'OFF' });
  sf = await startTestSnowflake({
    users: { DSR: { publicKeyPem: registered.publicKey.export({ type: 'spki', format: 'pem' }).toString() } },
  });
  dir = await mkdtemp(join(tmpdir(), 'dsr-sf-key-'));
  await writeFile(join(dir, 'plain.p8'), registered.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(
    join(dir, 'encrypted.p8'),
    registered.privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'open sesame',
    }),
  );
  await writeFile(join(dir, 'stranger.p8'), stranger.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(join(dir, 'garbage.p8'), 'not a key');
});

afterAll(async () => {
  await sf?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function selectOne(env: Record<string, string>): Promise<unknown> {
  const db = openSnowflakeDatabase(
    snowflakeConnectionSettings(
      readSnowflakeEnv({
        SNOWFLAKE_ACCOUNT: sf.account,
        SNOWFLAKE_USER: 'DSR',
        SNOWFLAKE_ACCESS_URL: sf.url,
        SNOWFLAKE_LOGIN_TIMEOUT_MS: '10000',
        ...env,
      }),
    ),
  );
  try {
    return await db.query('SELECT 1 AS ONE');
  } finally {
    await db.close();
  }
}

describe('Key-pair (JWT) authentication', () => {
  it('logs in with a private key file', async () => {
    expect(await selectOne({ SNOWFLAKE_PRIVATE_KEY_PATH: join(dir, 'plain.p8') })).toEqual([{ ONE: '1' }]);
  });

  it('logs in with an encrypted private key and its passphrase', async () => {
    expect(
      await selectOne({
        SNOWFLAKE_PRIVATE_KEY_PATH: join(dir, 'encrypted.p8'),
        SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'open sesame',
      }),
    ).toEqual([{ ONE: '1' }]);
  });

  it('fails permanently with a key the user does not have', async () => {
    const error = await selectOne({ SNOWFLAKE_PRIVATE_KEY_PATH: join(dir, 'stranger.p8') }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SnowflakeError);
    expect(error).toMatchObject({ retryable: false });
  });

  it('fails with a clear configuration error for an unreadable or wrong key, naming no key material', async () => {
    const missing = await selectOne({ SNOWFLAKE_PRIVATE_KEY_PATH: join(dir, 'nope.p8') }).catch(
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as Error).message).toBe('SNOWFLAKE_PRIVATE_KEY_PATH: cannot read the key file (ENOENT)');
    const garbage = await selectOne({ SNOWFLAKE_PRIVATE_KEY_PATH: join(dir, 'garbage.p8') }).catch(
      (e: unknown) => e,
    );
    expect((garbage as Error).message).toMatch(/^SNOWFLAKE_PRIVATE_KEY_PATH: is not a PEM private key/);
    const noPassphrase = await selectOne({ SNOWFLAKE_PRIVATE_KEY_PATH: join(dir, 'encrypted.p8') }).catch(
      (e: unknown) => e,
    );
    expect((noPassphrase as Error).message).toContain('needs SNOWFLAKE_PRIVATE_KEY_PASSPHRASE');
  });
});
