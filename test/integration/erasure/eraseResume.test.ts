import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { runDsr } from '../../support/cliProgram';
import { CROSS_SYSTEM_ERASURE_MAP } from '../../support/erasureFixture';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { startTestSnowflake } from '../../support/snowflake';

const MAP = CROSS_SYSTEM_ERASURE_MAP;

let pg: TestDatabase;
let sf: LocalSnowflake;
let dir: string;
let file: string;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  pg = await createTestDatabase('eraseresume');
  await pg.exec(`CREATE TABLE public.users (id int PRIMARY KEY, email text NOT NULL);
    INSERT INTO public.users VALUES (1, 'ana@x.test'), (2, 'ben@x.test');`);
  sf = await startTestSnowflake();
  await sf.sql('CREATE DATABASE ANALYTICS');
  await sf.sql('CREATE SCHEMA IF NOT EXISTS ANALYTICS.PUBLIC');
  await sf.sql('CREATE TABLE ANALYTICS.PUBLIC.WEB_SESSIONS (SESSION_ID VARCHAR, USER_ID NUMBER(38,0))');
  for (const [id, user] of [
    ['s-1', 1],
    ['s-2', 2],
    ['s-3', 1],
  ] as const)
    await sf.sql(`INSERT INTO ANALYTICS.PUBLIC.WEB_SESSIONS SELECT '${id}', ${user}`);
  dir = await mkdtemp(join(tmpdir(), 'dsr-erase-resume-'));
  file = join(dir, 'map.yaml');
  await writeFile(file, MAP);
  env = {
    PG_DSN: pg.dsn,
    DSR_ERASURE_PG_DSN: pg.dsn,
    DSR_SUBJECT_HASH_KEY: 'cli-test-subject-hash-key-0123456789abcdef',
    DSR_ERASURE_MASK_KEY: 'cli-test-erasure-mask-key-0123456789abcdef',
    DSR_ERASURE_STATE_DIR: join(dir, 'state'),
    SNOWFLAKE_ACCOUNT: sf.account,
    SNOWFLAKE_USER: 'DSR',
    SNOWFLAKE_PASSWORD: 'dsr',
    SNOWFLAKE_ACCESS_URL: sf.url,
  };
});
afterAll(async () => {
  await sf?.stop();
  await pg?.drop();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs `dsr` in this process (its exit code and output, as the binary gives them): only the crash
 * needs a process of its own, to be killed.
 */
function dsr(args: string[]) {
  return runDsr(args, env);
}

const ERASE = ['erase', '--datamap', '', '--subject', 'email=ana@x.test', '--request-id', 'req-crash'];
const args = (...more: string[]) => [...ERASE.slice(0, 2), file, ...ERASE.slice(3), ...more];

/** Everything another person holds, as text, for a byte-for-byte comparison. */
async function othersRows(): Promise<string> {
  const users = (
    await pg.exec('SELECT row_to_json(u)::text AS r FROM public.users u WHERE id <> 1 ORDER BY id')
  ).rows;
  const sessions = await sf.sql('SELECT * FROM ANALYTICS.PUBLIC.WEB_SESSIONS WHERE USER_ID <> 1 ORDER BY 1');
  return JSON.stringify([users, sessions]);
}

describe('Command: dsr erase across a crash between the two systems', () => {
  it('a SIGKILL after the PostgreSQL commit, then a re-run: resumes the persisted plan and ends erased with the Snowflake rows gone', async () => {
    // Prepare: the endpoint holds Snowflake's statements once the rehearsal has rolled back, so the
    // child is killed after PostgreSQL's commit and before its Snowflake step.
    const others = await othersRows();
    const child = spawn(process.execPath, ['bin/dsr.js', ...args()], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const armed = setInterval(() => {
      if (sf.requests.some((r) => r.sqlText === 'ROLLBACK')) {
        sf.faults.stallNext(1000, 4000);
        clearInterval(armed);
      }
    }, 2);
    const killed = new Promise<NodeJS.Signals | null>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('postgres public.users: delete 1 row(s)')) child.kill('SIGKILL');
      });
      child.on('exit', (_code, signal) => resolve(signal));
    });

    // Act 1: the crash.
    const signal = await killed;
    clearInterval(armed);
    sf.faults.reset();
    const between = {
      users: (await pg.exec('SELECT id FROM public.users WHERE id = 1')).rows,
      sessions: await sf.sql(
        'SELECT SESSION_ID FROM ANALYTICS.PUBLIC.WEB_SESSIONS WHERE USER_ID = 1 ORDER BY 1',
      ),
      state: await stat(join(dir, 'state', 'req-crash.json')),
    };

    // Act 2: the re-run.
    const rerun = await dsr(args('--out', join(dir, 'receipt.json')));

    // Assess
    expect(signal).toBe('SIGKILL');
    expect(between.users).toEqual([]);
    expect(between.sessions).toEqual([{ SESSION_ID: 's-1' }, { SESSION_ID: 's-3' }]);
    expect(between.state.mode & 0o777).toBe(0o600);
    expect(rerun.stderr).toContain('resumed the plan persisted in');
    expect(rerun.stderr).toContain('erased: receipt sha256');
    expect(rerun.code).toBe(0);
    expect(await sf.sql('SELECT SESSION_ID FROM ANALYTICS.PUBLIC.WEB_SESSIONS WHERE USER_ID = 1')).toEqual(
      [],
    );
    expect(await othersRows()).toBe(others);
    const receipt = JSON.parse(await readFile(join(dir, 'receipt.json'), 'utf8'));
    expect(receipt).toMatchObject({ outcome: 'erased', remaining: [] });
    expect(receipt.tables.map((t: { table: string; deleted: number }) => [t.table, t.deleted])).toEqual([
      ['public.users', 1],
      ['ANALYTICS.PUBLIC.WEB_SESSIONS', 2],
    ]);
    // Once erased, the state keeps the receipt of record and nothing of the subject.
    const kept = await readFile(join(dir, 'state', 'req-crash.json'), 'utf8');
    expect(JSON.parse(kept)).toMatchObject({ phase: 'erased', receiptHash: receipt.receiptHash });
    expect(kept).not.toMatch(/ana@x\.test|s-1|s-3/);
  }, 60_000);

  it('a second erase of the same request reports it already erased, points at the receipt of record and writes no other', async () => {
    // Prepare
    const first = await readFile(join(dir, 'receipt.json'), 'utf8');
    const hash = JSON.parse(first).receiptHash as string;

    // Act
    const again = await dsr(args());

    // Assess
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(
      `already erased: request req-crash has its receipt of record, sha256 ${hash}`,
    );
    expect(again.stderr).toContain(join(dir, 'state', 'req-crash.json'));
    // It says what the receipt does not cover, and how to erase what was written since.
    expect(again.stderr).toContain(
      'rows written about the subject since that erasure are not covered by it; to erase them, run a new request (--request-id)',
    );
    expect(again.stdout).toBe(first);
    expect(await readFile(join(dir, 'receipt.json'), 'utf8')).toBe(first);
  }, 30_000);
});
