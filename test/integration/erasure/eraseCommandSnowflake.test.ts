import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { runDsr } from '../../support/cliProgram';
import { CROSS_SYSTEM_ERASURE_MAP } from '../../support/erasureFixture';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { startTestSnowflake } from '../../support/snowflake';

const stateDir = join(tmpdir(), `dsr-erase-sf-state-${process.pid}-${Date.now()}`);

/** Runs `dsr` in this process (the exit codes and output of the binary; no child process needed). */
function dsr(args: string[], env: Record<string, string | undefined> = {}) {
  return runDsr(args, {
    SNOWFLAKE_ACCOUNT: undefined,
    DSR_ERASURE_PG_DSN: undefined,
    // The erasure state in a directory of its own, not in the checkout.
    DSR_ERASURE_STATE_DIR: stateDir,
    ...env,
  });
}

const MAP = CROSS_SYSTEM_ERASURE_MAP;

let pg: TestDatabase;
let sf: LocalSnowflake;
let dir: string;
let file: string;
beforeAll(async () => {
  pg = await createTestDatabase('erasesfcli');
  await pg.exec(`CREATE TABLE public.users (id int PRIMARY KEY, email text NOT NULL);
    INSERT INTO public.users VALUES (1, 'ana@x.test'), (2, 'ben@x.test');`);
  sf = await startTestSnowflake();
  await sf.sql('CREATE DATABASE ANALYTICS');
  await sf.sql('CREATE SCHEMA IF NOT EXISTS ANALYTICS.PUBLIC');
  await sf.sql('CREATE TABLE ANALYTICS.PUBLIC.WEB_SESSIONS (SESSION_ID VARCHAR, USER_ID NUMBER(38,0))');
  await sf.sql(`INSERT INTO ANALYTICS.PUBLIC.WEB_SESSIONS SELECT 's-1', 1`);
  await sf.sql(`INSERT INTO ANALYTICS.PUBLIC.WEB_SESSIONS SELECT 's-2', 2`);
  dir = await mkdtemp(join(tmpdir(), 'dsr-erase-sf-'));
  file = join(dir, 'map.yaml');
  await writeFile(file, MAP);
});
afterAll(async () => {
  await sf?.stop();
  await pg?.drop();
  await rm(stateDir, { recursive: true, force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Command: dsr erase across PostgreSQL and Snowflake', () => {
  it('erases the warehouse copy too, and states its Time Travel and Fail-safe in the receipt', async () => {
    const run = await dsr(
      ['erase', '--datamap', file, '--subject', 'email=ana@x.test', '--request-id', 'req-sf'],
      {
        PG_DSN: pg.dsn,
        DSR_ERASURE_PG_DSN: pg.dsn,
        DSR_SUBJECT_HASH_KEY: 'cli-test-subject-hash-key-0123456789abcdef',
        DSR_ERASURE_MASK_KEY: 'cli-test-erasure-mask-key-0123456789abcdef',
        SNOWFLAKE_ACCOUNT: sf.account,
        SNOWFLAKE_USER: 'DSR',
        SNOWFLAKE_PASSWORD: 'dsr',
        SNOWFLAKE_ACCESS_URL: sf.url,
      },
    );
    expect(run.stderr).toContain('erased: receipt sha256');
    expect(run.code).toBe(0);
    const receipt = JSON.parse(run.stdout);
    expect(receipt.tables).toEqual([
      expect.objectContaining({ system: 'postgres', table: 'public.users', deleted: 1, remaining: 0 }),
      expect.objectContaining({
        system: 'snowflake',
        table: 'ANALYTICS.PUBLIC.WEB_SESSIONS',
        deleted: 1,
        remaining: 0,
        unrecoverableAfterDays: 8,
        unrecoverableBasis: 'Time Travel 1 days + Fail-safe 7 days',
      }),
    ]);
    expect(await sf.sql('SELECT SESSION_ID FROM ANALYTICS.PUBLIC.WEB_SESSIONS')).toEqual([
      { SESSION_ID: 's-2' },
    ]);
    expect(`${run.stdout}${run.stderr}`).not.toContain('ana@x.test');
  });
});
