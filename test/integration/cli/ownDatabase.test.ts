import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

/**
 * The README's "Your own database", command for command, as a user runs them in a shell (`npx dsr`
 * is `node bin/dsr.js`), on a schema of its own: a clinic, not the sample shop.
 */
const DSR = `node ${fileURLToPath(new URL('../../../bin/dsr.js', import.meta.url))}`;
const SCHEMA = `
CREATE TABLE patients (id integer PRIMARY KEY, email text NOT NULL, full_name text NOT NULL);
CREATE TABLE appointments (id integer PRIMARY KEY, patient_id integer NOT NULL REFERENCES patients(id),
  starts_at timestamptz NOT NULL, reason text);
INSERT INTO patients VALUES (1, 'mira.novak@example.com', 'Mira Novak'), (2, 'omar.haddad@example.org', 'Omar Haddad');
INSERT INTO appointments VALUES
  (10, 1, '2025-03-01T09:30:00Z', 'Annual check-up'),
  (11, 1, '2025-04-12T14:00:00Z', 'Follow-up: blood test'),
  (12, 2, '2025-03-02T10:00:00Z', 'Vaccination');
`;

let database: TestDatabase;
let dir: string;
const started: ChildProcess[] = [];

/** Runs one shell command line in the user's directory, with `PG_DSN` set as the README says. */
function sh(line: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', line],
      { cwd: dir, env: { ...process.env, PG_DSN: database.dsn } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `dsr up` in the foreground, as terminal 1 runs it; resolves once it says how to reach it. */
async function up(): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  const child = spawn('sh', ['-c', `exec ${DSR} up --datamap clinic.yaml`], {
    cwd: dir,
    // Its own temporary directory, to see that it leaves nothing there.
    env: { ...process.env, PG_DSN: database.dsn, TMPDIR: join(dir, 'tmp') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await until(
    () => output.includes('Press Ctrl+C'),
    exited,
    () => output,
  );
  return { child, output: () => output, exited };
}

/** Waits until `done` holds; fails with the output when the process exits first or after 300 s. */
async function until(done: () => boolean, exited: Promise<unknown>, output: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 300_000;
  while (!done()) {
    if (gone || Date.now() > deadline)
      throw new Error(`dsr up ${gone ? 'exited' : 'timed out'}: ${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  database = await createTestDatabase('own');
  await database.exec(SCHEMA);
  dir = await mkdtemp(join(tmpdir(), 'dsr-own-'));
  await mkdir(join(dir, 'tmp'));
});

afterAll(async () => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
  await database.drop();
});

describe('README: your own database', () => {
  it('answers a subject of a schema of its own in five commands, losing nothing across a restart of dsr up', async () => {
    // Command 2: a data map from the live catalog
    const init = await sh(`${DSR} datamap init --out clinic.yaml`);
    expect(init.code, init.stderr).toBe(0);

    // Command 3, terminal 1
    const first = await up();
    const envFile = await stat(join(dir, '.dsr', 'env'));

    // Command 4, terminal 2: one subject, answered while the runtime runs
    const submitMira = await sh(
      `. .dsr/env && ${DSR} submit --queue-url "$DSR_QUEUE_URL" --request-id REQ-MIRA --subject email=Mira.Novak@example.com --jurisdiction GDPR --datamap clinic.yaml`,
    );
    expect(submitMira.code, submitMira.stderr).toBe(0);
    await until(() => first.output().includes('REQ-MIRA: loaded'), first.exited, first.output);

    // A second subject, and the runtime stopped at once (SIGTERM), then started again
    const submitOmar = await sh(
      `. .dsr/env && ${DSR} submit --queue-url "$DSR_QUEUE_URL" --request-id REQ-OMAR --subject email=omar.haddad@example.org --jurisdiction GDPR`,
    );
    expect(submitOmar.code, submitOmar.stderr).toBe(0);
    first.child.kill('SIGTERM');
    const firstCode = await first.exited;
    // tsx, which runs the TypeScript, keeps its compile cache there: not the runtime's.
    const tempLeft = (await readdir(join(dir, 'tmp'))).filter((n) => !n.startsWith('tsx-'));
    const second = await up();
    await until(
      () => second.output().includes('REQ-OMAR: loaded') || first.output().includes('REQ-OMAR: loaded'),
      second.exited,
      second.output,
    );

    // Command 5, terminal 2
    const reportMira = await sh(`. .dsr/env && ${DSR} report REQ-MIRA --datamap clinic.yaml`);
    const reportOmar = await sh(`. .dsr/env && ${DSR} report REQ-OMAR --datamap clinic.yaml --out-dir out`);
    second.child.kill('SIGINT');
    const secondCode = await second.exited;

    // Assess: both requests answered, each with its own subject's rows and no one else's
    expect(reportMira.code, reportMira.stderr).toBe(0);
    expect(reportOmar.code, reportOmar.stderr).toBe(0);
    const mira = await readFile(join(dir, 'out', 'REQ-MIRA.json'), 'utf8');
    const omar = await readFile(join(dir, 'out', 'REQ-OMAR.json'), 'utf8');
    expect(mira).toContain('Annual check-up');
    expect(mira).toContain('Follow-up: blood test');
    expect(mira).not.toContain('Vaccination');
    expect(omar).toContain('Vaccination');
    expect(omar).not.toContain('Mira Novak');
    // The intake system's view: one completion event per request, with hashes and no identifier
    const events = (await readFile(join(dir, '.dsr', 'completions.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const byRequest = new Map(events.map((e) => [e.requestId, e]));
    expect(byRequest.get('REQ-MIRA')).toMatchObject({
      state: 'loaded',
      type: 'access',
      final: true,
      packageLocation: 's3://dsr-bridge-payloads/packages/REQ-MIRA/',
      evidenceHash: JSON.parse(mira).evidenceHash,
    });
    expect(byRequest.get('REQ-OMAR')).toMatchObject({
      state: 'loaded',
      evidenceHash: JSON.parse(omar).evidenceHash,
    });
    for (const value of ['mira', 'Mira', 'omar', 'example.com', 'example.org'])
      expect(JSON.stringify(events)).not.toContain(value);
    // Stopped cleanly by each signal, with one line, its exit code and no temporary files
    expect(firstCode).toBe(143);
    expect(first.output()).toMatch(
      /dsr: stopped on SIGTERM; \d unfinished request\(s\) resume on the next start/,
    );
    expect(secondCode).toBe(130);
    expect(second.output()).toContain('dsr: stopped on SIGINT; 0 unfinished request(s)');
    // One stop reads as one: not also the exit cleanup's own line, with no file of its to remove.
    expect(first.output()).not.toContain('dsr: stopped by SIGTERM');
    expect(second.output()).not.toContain('dsr: stopped by SIGINT');
    expect(tempLeft).toEqual([]);
    // State kept owner-only, and nothing of a finished request left in the journal
    expect((await stat(join(dir, '.dsr'))).mode & 0o777).toBe(0o700);
    expect(envFile.mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, '.dsr', 'warehouse.duckdb'))).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, '.dsr', 'messages'))).toEqual([]);
    // Nothing in the runtime's log names a subject
    const log = await readFile(join(dir, '.dsr', 'pipeline.log'), 'utf8');
    for (const value of ['mira.novak', 'Mira Novak', 'omar.haddad', 'Annual check-up'])
      expect(log).not.toContain(value);
  }, 600_000);
});
