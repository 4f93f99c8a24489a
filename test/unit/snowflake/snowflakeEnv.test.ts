import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors/errors';
import { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import {
  isLoopbackUrl,
  readSnowflakeEnv,
  snowflakeConnectionSettings,
} from '../../../shared/snowflake/snowflakeEnv';

const BASE = { SNOWFLAKE_ACCOUNT: 'myorg-acct', SNOWFLAKE_USER: 'DSR' };
const settings = (env: Record<string, string>) => snowflakeConnectionSettings(readSnowflakeEnv(env));

describe('Function: snowflakeConnectionSettings', () => {
  it('reads key-pair settings with defaults', () => {
    expect(
      settings({ ...BASE, SNOWFLAKE_PRIVATE_KEY_PATH: '/keys/dsr.p8', SNOWFLAKE_DATABASE: 'EVIDENCE' }),
    ).toEqual({
      account: 'myorg-acct',
      user: 'DSR',
      auth: { kind: 'key-pair-file', path: '/keys/dsr.p8', passphrase: undefined },
      accessUrl: undefined,
      warehouse: undefined,
      database: 'EVIDENCE',
      schema: undefined,
      role: undefined,
      proxy: undefined,
      statementTimeoutMs: 60_000,
      loginTimeoutMs: 30_000,
      networkTimeoutMs: 30_000,
    });
  });

  it('reads a proxy and a Secrets Manager key', () => {
    expect(
      settings({
        ...BASE,
        SNOWFLAKE_PRIVATE_KEY_SECRET_ID: 'dsr/snowflake-key',
        SNOWFLAKE_PROXY_HOST: 'proxy.internal',
        SNOWFLAKE_PROXY_PORT: '3128',
      }),
    ).toMatchObject({
      auth: { kind: 'key-pair-secret', secretId: 'dsr/snowflake-key' },
      proxy: { host: 'proxy.internal', port: 3128 },
    });
  });

  it('accepts a password towards a loopback endpoint', () => {
    expect(
      settings({ ...BASE, SNOWFLAKE_PASSWORD: 'dsr', SNOWFLAKE_ACCESS_URL: 'http://127.0.0.1:8085' }).auth,
    ).toEqual({ kind: 'password', password: 'dsr' });
  });

  it('fails if a password would travel to a real account', () => {
    expect(() => settings({ ...BASE, SNOWFLAKE_PASSWORD: 'secret' })).toThrow(
      /SNOWFLAKE_PASSWORD: password authentication is allowed only with SNOWFLAKE_ACCESS_URL on a loopback address/,
    );
    expect(() =>
      settings({
        ...BASE,
        SNOWFLAKE_PASSWORD: 'secret',
        SNOWFLAKE_ACCESS_URL: 'https://myorg-acct.snowflakecomputing.com',
      }),
    ).toThrow(ConfigError);
  });

  it('never echoes the password', () => {
    try {
      settings({ ...BASE, SNOWFLAKE_PASSWORD: 'hunter2-very-secret' });
    } catch (error) {
      expect(String(error)).not.toContain('hunter2');
    }
  });

  it.each([
    [{ ...BASE }, 'SNOWFLAKE_PRIVATE_KEY_PATH: is not set'],
    [{ ...BASE, SNOWFLAKE_PRIVATE_KEY_PATH: '/k', SNOWFLAKE_PRIVATE_KEY_SECRET_ID: 's' }, 'set only one of'],
    [
      { ...BASE, SNOWFLAKE_PRIVATE_KEY_PATH: '/k', SNOWFLAKE_PROXY_HOST: 'p' },
      'SNOWFLAKE_PROXY_PORT: set SNOWFLAKE_PROXY_HOST and SNOWFLAKE_PROXY_PORT together',
    ],
    [{ SNOWFLAKE_USER: 'DSR', SNOWFLAKE_PRIVATE_KEY_PATH: '/k' }, 'SNOWFLAKE_ACCOUNT: is not set'],
    [
      { ...BASE, SNOWFLAKE_PRIVATE_KEY_PATH: '/k', SNOWFLAKE_STATEMENT_TIMEOUT_MS: '0' },
      'SNOWFLAKE_STATEMENT_TIMEOUT_MS',
    ],
    [{ ...BASE, SNOWFLAKE_PRIVATE_KEY_PATH: '/k', SNOWFLAKE_ACCESS_URL: 'ftp://x' }, 'SNOWFLAKE_ACCESS_URL'],
    [
      { ...BASE, SNOWFLAKE_PRIVATE_KEY_PATH: '/k', SNOWFLAKE_DATABASE: 'a;drop' },
      'SNOWFLAKE_DATABASE: must be a plain identifier',
    ],
  ])('fails if the environment is %o', (env, message) => {
    expect(() => settings(env as Record<string, string>)).toThrow(message);
  });
});

describe('Function: isLoopbackUrl', () => {
  it.each([
    ['http://127.0.0.1:8085', true],
    ['http://127.8.9.10', true],
    ['https://localhost:443', true],
    ['http://[::1]:80', true],
    ['https://myorg.snowflakecomputing.com', false],
    ['http://127.0.0.1.evil.example', false],
    ['not a url', false],
    [undefined, false],
  ])('%s → %s', (url, expected) => {
    expect(isLoopbackUrl(url)).toBe(expected);
  });
});

describe('Class: SnowflakeDatabase', () => {
  it('fails if a password is given for a non-loopback endpoint', () => {
    expect(
      () =>
        new SnowflakeDatabase({
          account: 'a',
          user: 'u',
          password: 'p',
          accessUrl: 'https://a.snowflakecomputing.com',
        }),
    ).toThrow(/allowed only towards a loopback endpoint/);
  });

  it('fails without exactly one way to authenticate', () => {
    expect(() => new SnowflakeDatabase({ account: 'a', user: 'u' })).toThrow(/exactly one/);
  });

  it('fails if a deadline is not positive', () => {
    expect(
      () =>
        new SnowflakeDatabase({
          account: 'a',
          user: 'u',
          password: 'p',
          accessUrl: 'http://127.0.0.1:1',
          statementTimeoutMs: 0,
        }),
    ).toThrow('statementTimeoutMs must be a whole number of milliseconds ≥ 1 (given 0)');
  });
});
