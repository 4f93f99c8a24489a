import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openSnowflakeFromEnv } from '../../../adapters/aws/openSnowflakeFromEnv';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { createTestCertificates, startTestSnowflake } from '../../support/snowflake';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('Local Snowflake endpoint: HTTPS', () => {
  let sf: LocalSnowflake | undefined;
  let removeCertificates: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await sf?.stop();
    await removeCertificates?.();
  });

  it('serves the driver over HTTPS with a leaf signed by a local CA (OCSP fail-open)', async () => {
    // Prepare
    const certificates = await createTestCertificates();
    removeCertificates = certificates.remove;
    sf = await startTestSnowflake({ tls: { cert: certificates.cert, key: certificates.key } });

    // Act: NODE_EXTRA_CA_CERTS is read at start, so the driver runs in a child process
    const run = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', fixture('connectOverTls.ts'), sf?.url ?? '', sf?.account ?? ''],
        { env: { ...process.env, NODE_EXTRA_CA_CERTS: certificates.caFile }, timeout: 25_000 },
        (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
      );
    });

    // Assess
    expect(sf.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(JSON.parse(run.stdout.trim())).toEqual({ rows: [{ GREETING: 'over tls' }] });
    expect(run.code).toBe(0);
  }, 30_000);
});

/** Starts `dsr local snowflake` with `args`; resolves with the child and what it printed up to "Ctrl+C". */
async function startCommand(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; stdout: () => string; printed: Record<string, string> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fixture('runLocalSnowflakeCommand.ts'), 'local', 'snowflake', '--port', '0', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  started.push(child);
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('Ctrl+C')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${stdout}`)));
  });
  const printed = Object.fromEntries(
    [...stdout.matchAll(/^export ([A-Z_]+)='([^']*)'$/gm)].map((m) => [m[1] as string, m[2] as string]),
  );
  return { child, stdout: () => stdout, printed };
}

const started: ChildProcess[] = [];

describe('Command: dsr local snowflake', () => {
  afterAll(() => {
    for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('prints the settings to export, serves the driver with them, and stops cleanly on SIGTERM', async () => {
    // Prepare
    const { child, stdout, printed } = await startCommand([]);

    // Act
    const setup = openSnowflakeFromEnv({ ...printed, SNOWFLAKE_LOG_LEVEL: 'OFF' });
    const rows = await setup.db.query('SELECT 1 AS ONE');
    await setup.db.close();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');

    // Assess
    expect(printed.SNOWFLAKE_ACCESS_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(printed).toMatchObject({
      SNOWFLAKE_ACCOUNT: 'local',
      SNOWFLAKE_USER: 'DSR',
      SNOWFLAKE_PASSWORD: 'dsr',
      SNOWFLAKE_WAREHOUSE: 'LOCAL_WH',
      SNOWFLAKE_DATABASE: 'DSR',
      SNOWFLAKE_SCHEMA: 'EVIDENCE',
    });
    expect(rows).toEqual([{ ONE: '1' }]);
    expect(await exited).toBe(0);
    expect(stdout()).toContain('local Snowflake stopped');
  }, 30_000);

  it('serves the warehouse the user configured, named as Snowflake resolves it, and no other', async () => {
    // Prepare: the name as a user's SNOWFLAKE_WAREHOUSE spells it, in lower case
    const { child, printed } = await startCommand(['--warehouse', 'dsr_wh', '--database', 'shop_dsr']);

    // Act: the printed settings with the user's own spelling, then with a warehouse that is not served
    const asConfigured = openSnowflakeFromEnv({
      ...printed,
      SNOWFLAKE_WAREHOUSE: 'dsr_wh',
      SNOWFLAKE_LOG_LEVEL: 'OFF',
    });
    const created = await asConfigured.db.query('CREATE TABLE IF NOT EXISTS T (A NUMBER)');
    await asConfigured.db.close();
    const other = openSnowflakeFromEnv({
      ...printed,
      SNOWFLAKE_WAREHOUSE: 'LOCAL_WH',
      SNOWFLAKE_LOG_LEVEL: 'OFF',
    });
    const refused = await other.db.query('SELECT 1 AS ONE').then(
      () => undefined,
      (error: unknown) => error,
    );
    await other.db.close();
    child.kill('SIGTERM');

    // Assess
    expect(printed.SNOWFLAKE_WAREHOUSE).toBe('DSR_WH');
    expect(printed.SNOWFLAKE_DATABASE).toBe('SHOP_DSR');
    expect(created).toHaveLength(1);
    expect(refused).toMatchObject({ snowflakeCode: '000606' });
  }, 30_000);

  it('refuses an invalid port with a usage error', async () => {
    const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', fixture('runLocalSnowflakeCommand.ts'), 'local', 'snowflake', '--port', 'abc'],
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
      );
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--port must be an integer between 0 and 65535 (given abc)');
  });

  it('refuses a warehouse name SNOWFLAKE_WAREHOUSE could not name', async () => {
    const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          fixture('runLocalSnowflakeCommand.ts'),
          'local',
          'snowflake',
          '--warehouse',
          'my-wh',
        ],
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
      );
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--warehouse must be a plain identifier');
  });
});
