import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../../cli/CliError';
import { registerDrift } from '../../../cli/commands/drift';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { ConfigError } from '../../../shared/errors/errors';
import { configureSnowflakeDriver } from '../../../shared/snowflake/configureSnowflakeDriver';
import { restoreEnv } from '../../support/environment';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { startTestSnowflake } from '../../support/snowflake';

let sf: LocalSnowflake;
let pgTest: TestDatabase;
let dir: string;

const mapFile = (mirror: string) => `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email }
    mirror: ${mirror}
`;

beforeAll(async () => {
  configureSnowflakeDriver({ logLevel: 'OFF' });
  sf = await startTestSnowflake();
  pgTest = await createTestDatabase('sfcli');
  await pgTest.exec(
    'CREATE TABLE public.users (id bigint PRIMARY KEY, email varchar(255), created_at timestamptz)',
  );
  await sf.sql('CREATE DATABASE ANALYTICS');
  await sf.sql(
    'CREATE TABLE ANALYTICS.PUBLIC.USERS (ID NUMBER(38,0), EMAIL VARCHAR(255), CREATED_AT TIMESTAMP_TZ)',
  );
  await sf.sql(
    'CREATE TABLE ANALYTICS.PUBLIC.USERS_NTZ (ID NUMBER(38,0), EMAIL VARCHAR(255), CREATED_AT TIMESTAMP_NTZ)',
  );
  dir = await mkdtemp(join(tmpdir(), 'dsr-drift-'));
  await writeFile(join(dir, 'pass.yaml'), mapFile('ANALYTICS.PUBLIC.USERS'));
  await writeFile(join(dir, 'halt.yaml'), mapFile('ANALYTICS.PUBLIC.USERS_NTZ'));
  Object.assign(process.env, {
    PG_DSN: pgTest.dsn,
    SNOWFLAKE_ACCOUNT: sf.account,
    SNOWFLAKE_USER: 'DSR',
    SNOWFLAKE_PASSWORD: 'dsr',
    SNOWFLAKE_ACCESS_URL: sf.url,
    SNOWFLAKE_LOG_LEVEL: 'OFF',
  });
});

afterAll(async () => {
  await pgTest?.drop();
  await sf?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs `dsr drift …` in-process; returns what it printed and what it threw. */
async function drift(args: string[]): Promise<{ stdout: string; error: unknown }> {
  const program = new Command('dsr').exitOverride();
  registerDrift(program);
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['drift', ...args], { from: 'user' });
    return { stdout, error: undefined };
  } catch (error) {
    return { stdout, error };
  } finally {
    spy.mockRestore();
  }
}

describe('Command: dsr drift', () => {
  it('prints a passing verdict as a table and succeeds', async () => {
    const run = await drift(['--datamap', join(dir, 'pass.yaml')]);
    expect(run.error).toBeUndefined();
    expect(run.stdout).toMatch(
      /^drift gate: pass — 0% of compared columns drifted \(threshold 5%\), 1 mirrored table checked/,
    );
  });

  it('fails with exit code 1 when the gate would halt, listing the finding', async () => {
    const run = await drift(['--datamap', join(dir, 'halt.yaml'), '--threshold', '50']);
    expect(run.error).toBeInstanceOf(CliError);
    expect(run.error).toMatchObject({
      exitCode: 1,
      message: expect.stringContaining('1 corrupting finding'),
    });
    expect(run.stdout).toContain('drift gate: drifted, HALT');
    expect(run.stdout).toMatch(/public\.users\s+ANALYTICS\.PUBLIC\.USERS_NTZ\s+created_at\s+zone_lost\s+yes/);
  });

  it('prints the verdict as JSON', async () => {
    const run = await drift(['--datamap', join(dir, 'halt.yaml'), '--format', 'json']);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'drifted',
      halt: true,
      findings: [{ table: 'public.users', column: 'created_at', kind: 'zone_lost', corrupting: true }],
    });
  });

  it('fails with a usage error for a bad threshold or format', async () => {
    expect((await drift(['--datamap', 'x.yaml', '--threshold', '120'])).error).toMatchObject({
      exitCode: 2,
      message: '--threshold takes a percentage between 0 and 100 inclusive', // the value is not repeated
    });
    // A value outside the choices is commander's usage error, which `dsr` exits 2 for (cli/main.ts).
    const badFormat = (await drift(['--datamap', 'x.yaml', '--format', 'xml'])).error;
    expect(badFormat).toBeInstanceOf(CommanderError);
    expect(badFormat).toMatchObject({ code: 'commander.invalidArgument' });
  });

  it('names the variable when the Snowflake configuration is incomplete', async () => {
    const saved = process.env.SNOWFLAKE_ACCOUNT;
    delete process.env.SNOWFLAKE_ACCOUNT;
    try {
      const run = await drift(['--datamap', join(dir, 'pass.yaml')]);
      expect(run.error).toBeInstanceOf(ConfigError);
      expect(String((run.error as Error).message)).toMatch(/^SNOWFLAKE_ACCOUNT: is not set/);
    } finally {
      restoreEnv('SNOWFLAKE_ACCOUNT', saved);
    }
  });
});
