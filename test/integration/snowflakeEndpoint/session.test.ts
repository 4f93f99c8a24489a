import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import {
  connectTestDriver,
  destroyDriver,
  executeOnDriver,
  startTestSnowflake,
} from '../../support/snowflake';

describe('Local Snowflake endpoint: sessions, with the real driver', () => {
  let sf: LocalSnowflake;

  beforeAll(async () => {
    sf = await startTestSnowflake();
  });
  afterAll(async () => {
    await sf?.stop();
  });

  it('logs in with a password and answers a query', async () => {
    // Act
    const conn = await connectTestDriver(sf);
    const rows = await executeOnDriver(conn, 'SELECT 1 AS one, ? AS two', ['x']);

    // Assess
    expect(conn.isUp()).toBe(true);
    expect(rows).toEqual([{ ONE: 1, TWO: 'x' }]);
    await destroyDriver(conn);
  });

  it('refuses a wrong password with 390100', async () => {
    // Act
    const failure = connectTestDriver(sf, { password: 'wrong' });

    // Assess
    await expect(failure).rejects.toMatchObject({ code: '390100' });
  });

  it('treats user names case-insensitively', async () => {
    const conn = await connectTestDriver(sf, { username: 'dsr' });
    expect(conn.isUp()).toBe(true);
    await destroyDriver(conn);
  });

  it('answers the heartbeat of a live session', async () => {
    // Prepare
    const conn = await connectTestDriver(sf);

    // Act
    const valid = await conn.isValidAsync();

    // Assess
    expect(valid).toBe(true);
    expect(sf.requests.some((r) => r.path === '/session/heartbeat' && r.status === 200)).toBe(true);
    await destroyDriver(conn);
  });

  it('closes the session on destroy, after which its token is refused', async () => {
    // Prepare
    const conn = await connectTestDriver(sf);
    await executeOnDriver(conn, 'SELECT 1');

    // Act
    await destroyDriver(conn);

    // Assess
    expect(conn.isUp()).toBe(false);
    const close = sf.requests.filter((r) => r.kind === 'close');
    expect(close.at(-1)).toMatchObject({ path: '/session', status: 200 });
  });

  it('answers SQL errors in Snowflake shape with a sqlState', async () => {
    // Prepare
    const conn = await connectTestDriver(sf);

    // Act and assess
    await expect(executeOnDriver(conn, 'SELECT * FROM NOPE.NOPE.NOPE')).rejects.toMatchObject({
      code: '002003',
      sqlState: '42S02',
    });
    await expect(executeOnDriver(conn, 'SELEC 1')).rejects.toMatchObject({
      code: '001003',
      sqlState: '42000',
    });
    await expect(executeOnDriver(conn, 'SELECT NO_SUCH_COLUMN FROM (SELECT 1 AS A)')).rejects.toMatchObject({
      code: '000904',
      sqlState: '42000',
    });
    await destroyDriver(conn);
  });

  it('uses the database and schema given at login', async () => {
    // Prepare
    await sf.sql('CREATE DATABASE IF NOT EXISTS LOGINDB');
    await sf.sql('CREATE SCHEMA IF NOT EXISTS LOGINDB.APP');
    await sf.sql('CREATE TABLE IF NOT EXISTS LOGINDB.APP.T (ID NUMBER)');
    await sf.sql('INSERT INTO LOGINDB.APP.T (ID) VALUES (7)');

    // Act
    const conn = await connectTestDriver(sf, { database: 'LOGINDB', schema: 'APP' });
    const rows = await executeOnDriver(conn, 'SELECT ID FROM T');

    // Assess
    expect(rows).toEqual([{ ID: 7 }]);
    await destroyDriver(conn);
  });

  it('logs in with key-pair (JWT) authentication, and refuses a key it does not know', async () => {
    // Prepare
    const pair = () =>
      generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      });
    const known = pair();
    const stranger = pair();
    const keyed = await startTestSnowflake({ users: { Loader: { publicKeyPem: known.publicKey } } });
    try {
      // Act
      const conn = await connectTestDriver(keyed, {
        username: 'LOADER',
        authenticator: 'SNOWFLAKE_JWT',
        privateKey: known.privateKey,
        password: undefined,
      });
      // Assess
      expect(await executeOnDriver(conn, 'SELECT 1 AS ONE')).toEqual([{ ONE: 1 }]);
      await expect(
        connectTestDriver(keyed, {
          username: 'LOADER',
          authenticator: 'SNOWFLAKE_JWT',
          privateKey: stranger.privateKey,
          password: undefined,
        }),
      ).rejects.toMatchObject({ code: '390100' });
      await destroyDriver(conn);
    } finally {
      await keyed.stop();
    }
  });
});
