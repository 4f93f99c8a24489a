import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedHeavySubject, seedLargeValueSubject } from '../../../bench/heavySubjectData';
import { generateSampleData } from '../../../local/sample/generateSampleData';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

const HASH_KEY = 'cleanup-test-subject-hash-key-0123456789abcdef';
const HEAVY = 'spill.heavy@example.com';
const BIG = 'spill.big@example.com';
const PERSONA = 'Ana.Lopez@example.com';

let sample: TestDatabase;
let tmp: string;

beforeAll(async () => {
  sample = await createTestDatabase('cli_cleanup');
  await generateSampleData(sample.dsn, { scale: 0.01 });
  const client = new pg.Client({ connectionString: sample.dsn });
  await client.connect();
  try {
    await seedHeavySubject(client, { rows: 20_000, email: HEAVY });
    // A document of about 6 MiB of JSON: more than V8's old space capped at 24 MiB can parse (one
    // of 3 MiB is already too much for it), while a subject of ordinary rows needs less than 16 MiB.
    await seedLargeValueSubject(client, { bytes: 6 * 1024 * 1024, email: BIG });
  } finally {
    await client.end();
  }
}, 60_000);

afterAll(async () => {
  await sample.drop();
});

afterEach(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Every file and directory under `dir`. */
async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map((p) => join(dir, p));
}

/** `dsr discover` of `email` (the compiled CLI, heap capped as users run it) with its own TMPDIR. */
function discover(
  email: string,
  env: NodeJS.ProcessEnv = {},
  flags: readonly string[] = [],
): {
  child: ChildProcess;
  done: Promise<{ code: number | null; stderr: string }>;
} {
  const child = spawn(
    process.execPath,
    [
      'bin/dsr.js',
      'discover',
      '--datamap',
      'local/sample/datamap.yaml',
      '--subject',
      `email=${email}`,
      ...flags,
    ],
    {
      env: {
        ...process.env,
        NODE_OPTIONS: undefined,
        TMPDIR: tmp,
        PG_DSN: sample.dsn,
        DSR_SUBJECT_HASH_KEY: HASH_KEY,
        DSR_SPILL_BYTES: '65536',
        DSR_PAGE_SIZE: '200',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr })),
  );
  return { child, done };
}

/** Waits until a sorted run of the findings spill is on disk, and returns the files seen then. */
async function untilSpilling(): Promise<string[]> {
  for (;;) {
    const files = await tree(tmp);
    if (files.some((f) => /dsr-findings-\d+-[^/]+\/run-\d+\.tsv$/.test(f))) return files;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Command: dsr discover leaves nothing behind', () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)
    it(`removes the spill when stopped by ${signal} mid-spill, says so in one line, exits ${code}`, async () => {
      // Prepare
      tmp = await mkdtemp(join(tmpdir(), 'dsr-cleanup-test-'));
      const run = discover(HEAVY);
      const seen = await untilSpilling();
      // The spill directory is the owner's alone, and so is each run.
      const dir = seen.find((f) => /dsr-findings-\d+-[^/]+$/.test(f)) as string;
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      const runFile = seen.find((f) => f.endsWith('.tsv')) as string;
      expect((await stat(runFile)).mode & 0o777).toBe(0o600);
      // Act: as Ctrl+C does, to the launcher and the discovery alike.
      run.child.kill(signal);
      const result = await run.done;
      // Assess
      expect(result.code).toBe(code);
      expect(result.stderr.trim().split('\n')).toEqual([
        `dsr: stopped by ${signal}; temporary files removed`,
      ]);
      expect(await tree(tmp)).toEqual([]);
    });

  it('stops the discovery and removes everything when its launcher is killed with SIGKILL, writing no --out', {
    timeout: 60_000,
  }, async () => {
    // Prepare: the launcher (`bin/dsr.js`) runs the discovery in a child process, which SIGKILL
    // cannot reach through it.
    tmp = await mkdtemp(join(tmpdir(), 'dsr-cleanup-test-'));
    const out = join(tmp, 'findings.json');
    const run = discover(HEAVY, {}, ['--out', out]);
    await untilSpilling();

    // Act
    run.child.kill('SIGKILL');
    // The stderr pipe closes when the discovery, which holds it too, has ended.
    const result = await run.done;

    // Assess: nothing under TMPDIR (the launcher's private directory included), no --out, one line.
    expect(result.code).toBeNull();
    expect(result.stderr.trim().split('\n')).toEqual([
      'dsr: stopped: the dsr process that started it ended; temporary files removed',
    ]);
    expect(await tree(tmp)).toEqual([]);
  });

  it('removes the spill when the capped heap runs out of memory, says so, exits 1', {
    timeout: 120_000,
  }, async () => {
    tmp = await mkdtemp(join(tmpdir(), 'dsr-cleanup-test-'));
    const result = await discover(BIG, { DSR_DISCOVER_HEAP_MIB: '24' }).done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^dsr: stopped: out of memory .*; temporary files removed; run it again/m);
    expect(await tree(tmp)).toEqual([]);
  });
});

describe('Command: dsr discover progress on a pipe', () => {
  const PROGRESS = /^\d+ tables?, [\d,]+ rows, [\d,]+ rows\/s, \d+\.\d s$/;

  it('prints no progress on a pipe unless --progress, and whole lines with it', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'dsr-cleanup-test-'));
    const [plain, asked, quiet] = await Promise.all(
      [[], ['--progress'], ['--progress', '--quiet']].map((flags) => discover(PERSONA, {}, flags).done),
    );
    expect([plain?.code, asked?.code, quiet?.code]).toEqual([0, 0, 0]);
    const lines = (stderr = '') => stderr.split('\n').filter((l) => PROGRESS.test(l));
    expect(lines(plain?.stderr)).toEqual([]);
    expect(lines(quiet?.stderr)).toEqual([]);
    expect(lines(asked?.stderr).length).toBeGreaterThanOrEqual(1);
    expect(asked?.stderr).not.toContain('\r');
    // Whatever the progress, the summary is the same.
    expect(asked?.stderr.split('\n').filter((l) => !PROGRESS.test(l))).toEqual(plain?.stderr.split('\n'));
  });
});
