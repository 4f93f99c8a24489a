import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import {
  connectTestDriver,
  createTestCertificates,
  destroyDriver,
  executeOnDriver,
  startTestSnowflake,
} from '../../support/snowflake';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('Local Snowflake endpoint: HTTPS', () => {
  let sf: LocalSnowflake | undefined;
  afterAll(async () => {
    await sf?.stop();
  });

  it('serves the driver over HTTPS with a leaf signed by a local CA (OCSP fail-open)', async () => {
    // Prepare
    const certificates = await createTestCertificates();
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

describe('Command: dsr local snowflake', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('prints the URL and driver settings, serves the driver, and stops cleanly on SIGTERM', async () => {
    // Prepare
    child = spawn(
      process.execPath,
      ['--import', 'tsx', fixture('runLocalSnowflakeCommand.ts'), 'local', 'snowflake', '--port', '0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      child?.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(stdout);
        if (match?.[1] && stdout.includes('Ctrl+C')) resolve(match[1]);
      });
      child?.once('exit', (code) => reject(new Error(`exited early with ${code}: ${stdout}`)));
    });

    // Act
    const port = Number(new URL(url).port);
    const conn = await connectTestDriver({ url, port, account: 'local' } as LocalSnowflake);
    const rows = await executeOnDriver(conn, 'SELECT 1 AS ONE');
    await destroyDriver(conn);
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');

    // Assess
    expect(stdout).toContain("accessUrl: 'http://127.0.0.1:");
    expect(stdout).toContain("account:   'local'");
    expect(rows).toEqual([{ ONE: 1 }]);
    expect(await exited).toBe(0);
    expect(stdout).toContain('local Snowflake stopped');
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
});
