import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import snowflake from 'snowflake-sdk';
import {
  type LocalSnowflake,
  type LocalSnowflakeOptions,
  startLocalSnowflake,
} from '../../local/snowflake/startLocalSnowflake';
import { configureSnowflakeDriver } from '../../shared/snowflake/configureSnowflakeDriver';
import { SnowflakeDatabase, type SnowflakeDatabaseOptions } from '../../shared/snowflake/SnowflakeDatabase';

// The driver logs to the console and writes ./snowflake.log by default; tests want neither.
snowflake.configure({ logLevel: 'OFF', logFilePath: tmpdir() } as Parameters<typeof snowflake.configure>[0]);

/** Starts a local Snowflake endpoint (in memory, ephemeral port) for one test file. */
export function startTestSnowflake(options?: LocalSnowflakeOptions): Promise<LocalSnowflake> {
  return startLocalSnowflake(options);
}

/** A SnowflakeDatabase on a local endpoint, password-authenticated as user DSR, with short deadlines. */
export function openTestSnowflakeDatabase(
  sf: LocalSnowflake,
  options: Partial<SnowflakeDatabaseOptions> = {},
): SnowflakeDatabase {
  return new SnowflakeDatabase({
    account: sf.account,
    user: 'DSR',
    password: 'dsr',
    accessUrl: sf.url,
    statementTimeoutMs: 10_000,
    loginTimeoutMs: 10_000,
    networkTimeoutMs: 5_000,
    ...options,
  });
}

/** A local endpoint with an evidence location on it, and the product's client logged in as DSR. */
export interface TestEvidence {
  readonly sf: LocalSnowflake;
  readonly db: SnowflakeDatabase;
  /** Closes the client and stops the endpoint. */
  stop(): Promise<void>;
}

/**
 * Starts a local endpoint for one test file (in this process: about 50 ms, so each file keeps its
 * own, with its own fault plan and request log) and creates the evidence location `at` on it.
 */
export async function startTestEvidence(
  at: { readonly database: string; readonly schema: string } = { database: 'EVIDENCE', schema: 'DSR' },
  options?: LocalSnowflakeOptions,
): Promise<TestEvidence> {
  configureSnowflakeDriver({ logLevel: 'OFF' });
  const sf = await startLocalSnowflake(options);
  await sf.sql(`CREATE DATABASE ${at.database}`);
  await sf.sql(`CREATE SCHEMA ${at.database}.${at.schema}`);
  const db = openTestSnowflakeDatabase(sf);
  return {
    sf,
    db,
    stop: async () => {
      await db.close();
      await sf.stop();
    },
  };
}

/**
 * Connects the real driver to a local endpoint with password authentication as user DSR.
 * Rejects when the login fails (the driver's `connectAsync` would resolve regardless).
 */
export function connectTestDriver(
  sf: LocalSnowflake,
  overrides: Partial<snowflake.ConnectionOptions> = {},
): Promise<snowflake.Connection> {
  const connection = snowflake.createConnection({
    accessUrl: sf.url,
    account: sf.account,
    username: 'DSR',
    password: 'dsr',
    // Keeps a test from waiting out the default 90 s per attempt when the endpoint stalls.
    timeout: 20_000,
    ...overrides,
  } as snowflake.ConnectionOptions);
  return new Promise((resolve, reject) => {
    connection.connect((error, conn) => (error ? reject(error) : resolve(conn)));
  });
}

/** Executes one statement on the driver and collects its rows. */
export function executeOnDriver(
  conn: snowflake.Connection,
  sqlText: string,
  binds?: unknown[],
): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    conn.execute({
      sqlText,
      ...(binds === undefined ? {} : { binds: binds as snowflake.Binds }),
      complete: (error, _statement, rows) =>
        error ? reject(error) : resolve((rows ?? []) as Record<string, unknown>[]),
    });
  });
}

/** Closes a driver connection, ignoring a session the endpoint already forgot. */
export function destroyDriver(conn: snowflake.Connection): Promise<void> {
  return new Promise((resolve) => {
    conn.destroy(() => resolve());
  });
}

/**
 * A local certificate authority and a leaf for 127.0.0.1/localhost signed by it. The leaf carries no
 * Authority Information Access (no OCSP responder): the driver's OCSP check hangs on a self-signed
 * leaf, while a CA-signed leaf without AIA passes fail-open and is refused fail-closed. The CA PEM is
 * written to a temporary file for `NODE_EXTRA_CA_CERTS`, which Node reads only at process start;
 * `remove()` deletes it (call it in `afterAll`).
 */
export async function createTestCertificates(): Promise<{
  caPem: string;
  caFile: string;
  cert: string;
  key: string;
  remove: () => Promise<void>;
}> {
  const ca = await generate([{ name: 'commonName', value: 'dsr-bridge local test CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  const dir = await mkdtemp(join(tmpdir(), 'dsr-sf-ca-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, ca.cert);
  return {
    caPem: ca.cert,
    caFile,
    cert: leaf.cert,
    key: leaf.private,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
