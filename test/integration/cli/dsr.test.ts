import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedHeavySubject } from '../../../bench/heavySubjectData';
import { generateSampleData } from '../../../local/sample/generateSampleData';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { discoverSubject } from '../../../shared/discovery/discoverSubject';
import { serializeFindingsDocument } from '../../../shared/discovery/FindingsDocument';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { runCli, runDsr, writeCliProgram } from '../../support/cliProgram';
import { openDatabase } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

const HASH_KEY = 'cli-test-subject-hash-key-0123456789abcdef';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the `dsr` program in this process (every command, its mapping of errors to exit codes),
 * without `PG_DSN` or `DSR_SUBJECT_HASH_KEY` unless given.
 */
function dsr(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return runDsr(args, { PG_DSN: undefined, DSR_SUBJECT_HASH_KEY: undefined, ...env });
}

/**
 * Runs the real `dsr` binary in a child process: `discover` runs itself again with its heap capped
 * and a private temporary directory, which only a process shows.
 */
function dsrProcess(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/dsr.js', ...args],
      {
        env: { ...process.env, PG_DSN: undefined, DSR_SUBJECT_HASH_KEY: undefined, ...env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let sample: TestDatabase;
let dir: string;

beforeAll(async () => {
  sample = await createTestDatabase('cli');
  await generateSampleData(sample.dsn, { scale: 0.05 });
  dir = await mkdtemp(join(tmpdir(), 'dsr-cli-'));
});

afterAll(async () => {
  await sample.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('Command: dsr datamap validate', () => {
  it('exits 0 for a valid map, and checks the live catalog when asked', async () => {
    const run = await dsr(['datamap', 'validate', 'local/sample/datamap.yaml', '--live'], {
      PG_DSN: sample.dsn,
    });
    expect(run).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/valid .*matches the PostgreSQL catalog/),
    }); // The sample's indexes (local/sample/indexes.sql) serve every search the map implies.
    expect(run.stderr).not.toMatch(/no index serves|compared through|CREATE INDEX/);
    // A customer who wrote to support twice holds two tickets: the sample learns from a table that
    // is not one person a row, and validate says so by share, never by value.
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^local\/sample\/datamap\.yaml: warning: public\.support_tickets\.requester_email \(learn email\): learns email, but [\d.]+ % of its non-null values \(\d+ of \d+ rows\) are held by more than one row/,
      ),
    ]);
    expect(run.stderr).not.toMatch(/@/);
  });

  it('exits 1 and lists each problem with its path and line', async () => {
    const file = join(dir, 'bad.yaml');
    const text = await readFile('local/sample/datamap.yaml', 'utf8');
    await writeFile(
      file,
      text.replace('follow: { user_id: public.users.id }', 'follow: { user_id: users.id }'),
    );
    const run = await dsr(['datamap', 'validate', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file}: `);
    expect(run.stderr).toMatch(/postgres\[1\]\.follow\.user_id \(line \d+\): schema\.table\.column/);
  });

  it('warns, and still exits 0, where a map learns from a table whose rows may mention several people', async () => {
    const file = join(dir, 'overreach.yaml');
    await writeFile(
      file,
      `version: 1
identities: { email: { normalize: lowercase }, employee_id: {} }
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email }
    learn: [email]
  - table: public.support_tickets
    primaryKey: [ticket_id]
    identities: { email: requester_email, employee_id: user_id }
    learn: [email]
`,
    );
    const run = await dsr(['datamap', 'validate', file]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter((l) => l.includes('warning'))).toEqual([
      `${file}: warning: postgres[1].learn: public.support_tickets learns email but also maps employee_id, which it does not learn: its rows may mention several people, e.g. a staff member and a customer; learn from it only if each row describes one person`,
    ]);
    const clean = await dsr(['datamap', 'validate', 'local/sample/datamap.yaml']);
    expect(clean.stdout).not.toContain('warning');
  });
});

describe('Command: dsr discover', () => {
  it('prints the canonical findings on stdout and a summary without the identifier on stderr', async () => {
    const env = { PG_DSN: sample.dsn, DSR_SUBJECT_HASH_KEY: HASH_KEY };
    const args = [
      'discover',
      '--datamap',
      'local/sample/datamap.yaml',
      '--subject',
      'email=Ana.Lopez@example.com',
    ];
    const first = await dsr([...args, '--request-id', 'REQ-1'], env);
    expect(first.code).toBe(0);
    const document = JSON.parse(first.stdout) as {
      requestId: string;
      evidenceHash: string;
      findings: unknown[];
    };
    expect(document).toMatchObject({
      requestId: 'REQ-1',
      evidenceHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(document.findings).toHaveLength(11);
    expect(first.stderr).toContain(document.evidenceHash);
    expect(first.stderr.toLowerCase()).not.toContain('ana.lopez');

    // --out holds personal data: written owner-only, also over an existing world-readable file.
    const out = join(dir, 'out.json');
    await writeFile(out, 'old');
    await chmod(out, 0o644);
    const second = await dsr([...args, '--request-id', 'REQ-1', '--out', out], env);
    expect(second.code).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(first.stdout);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });

  it('streams exactly the bytes of the in-memory document, also for a subject whose rows spill to disk', async () => {
    // Prepare: a subject with a few thousand events (many sorted runs are forced in the unit tests).
    await seedHeavySubject({ query: (sql, params) => sample.exec(sql, params) }, { rows: 3000 });
    const dataMap = parseDataMap(await readFile('local/sample/datamap.yaml', 'utf8'), 'map.yaml');
    const db = openDatabase(sample.dsn);
    let expected: string;
    try {
      const postgres = await PostgresTableSearcher.create(db, dataMap, 'map.yaml');
      const { document } = await discoverSubject(
        { dataMap, searchers: { postgres }, subjectHashKey: HASH_KEY },
        { requestId: 'REQ-H', identifiers: { email: ['heavy.3000@example.com'] } },
      );
      expected = `${serializeFindingsDocument(document)}\n`;
      expect(document.findings).toHaveLength(3001);
    } finally {
      await db.end();
    }

    // Act
    const env = { PG_DSN: sample.dsn, DSR_SUBJECT_HASH_KEY: HASH_KEY };
    const args = [
      'discover',
      '--datamap',
      'local/sample/datamap.yaml',
      '--subject',
      'email=heavy.3000@example.com',
    ];
    // To a pipe, in the binary's own process (heap capped, the pipe's back-pressure); to a file,
    // the same command in this process.
    const run = await dsrProcess([...args, '--request-id', 'REQ-H'], env);
    const out = join(dir, 'heavy.json');
    const toFile = await dsr([...args, '--request-id', 'REQ-H', '--out', out], env);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(expected);
    expect(toFile.code).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(expected);
    expect(run.stderr).toContain('3001 rows');
  });

  it('never repeats a bad argument value, which may be an identifier, in its error', async () => {
    const value = 'ana.lopez@example.com';
    const cases = [
      ['report', value, '--datamap', 'local/sample/datamap.yaml'],
      [
        'submit',
        '--queue-url',
        value,
        '--request-id',
        'R-1',
        '--subject',
        'email=x@y.z',
        '--jurisdiction',
        'GDPR',
      ],
      ['submit', '--queue-url', 'http://127.0.0.1:1/q', '--request-id', 'R-1', '--jurisdiction', value],
    ];
    const runs: Run[] = [];
    for (const args of cases) runs.push(await dsr(args));
    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stderr).not.toContain(value);
      expect(run.stderr).not.toContain('ana.lopez');
    }
  }, 120_000);

  it('exits 2 with a clear message for bad arguments', async () => {
    const env = { PG_DSN: sample.dsn, DSR_SUBJECT_HASH_KEY: HASH_KEY };
    const noSubject = await dsr(['discover', '--datamap', 'local/sample/datamap.yaml'], env);
    expect(noSubject).toMatchObject({ code: 2, stderr: expect.stringMatching(/--subject/) });
    const badSubject = await dsr(
      ['discover', '--datamap', 'local/sample/datamap.yaml', '--subject', 'ana@example.com'],
      env,
    );
    expect(badSubject).toMatchObject({ code: 2, stderr: expect.stringMatching(/kind=value/) });
    const badId = await dsr(
      ['discover', '--datamap', 'x', '--subject', 'email=a@b.c', '--request-id', 'a b'],
      env,
    );
    expect(badId).toMatchObject({ code: 2, stderr: expect.stringMatching(/--request-id/) });
  });

  it('exits 2 naming the missing variable when the hash key is not set', async () => {
    const run = await dsr(
      ['discover', '--datamap', 'local/sample/datamap.yaml', '--subject', 'email=a@b.c'],
      {
        PG_DSN: sample.dsn,
      },
    );
    expect(run).toMatchObject({ code: 2, stderr: expect.stringMatching(/DSR_SUBJECT_HASH_KEY/) });
  });
});

describe('Commands: dsr datamap validate, datamap preview, discover and erase with --format json', () => {
  it('print their result as one JSON document on stdout, naming no identifier', async () => {
    // Prepare: the commands run in this process.
    const program = await writeCliProgram(dir, 'dsr-format-json', {
      datamapValidate: 'registerDatamapValidate',
      datamapPreview: 'registerDatamapPreview',
      discover: 'registerDiscover',
      erase: 'registerErase',
    });
    const inProcess = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      runCli(program, args, { PG_DSN: sample.dsn, DSR_SUBJECT_HASH_KEY: HASH_KEY, ...env });
    const map = 'local/sample/datamap.yaml';
    const subject = ['--subject', 'email=Ana.Lopez@example.com'];
    const bad = join(dir, 'bad-map.yaml');
    await writeFile(bad, 'version: 1\nidentities: {}\npostgres: [{ table: nope }]\n');
    const out = join(dir, 'format-json-findings.json');

    // Act
    const validate = await inProcess(['validate', map, '--live', '--format', 'json']);
    const invalid = await inProcess(['validate', bad, '--format', 'json']);
    const preview = await inProcess(['preview', '--datamap', map, '--sample', '2', '--format', 'json']);
    const discover = await inProcess([
      'discover',
      '--datamap',
      map,
      ...subject,
      '--request-id',
      'REQ-J',
      '--out',
      out,
      '--format',
      'json',
    ]);
    const discoverToStdout = await inProcess(['discover', '--datamap', map, ...subject, '--format', 'json']);
    const erase = await inProcess(
      ['erase', '--dry-run', '--datamap', map, ...subject, '--request-id', 'REQ-J', '--format', 'json'],
      { DSR_ERASURE_STATE_DIR: join(dir, 'erasure-state') },
    );

    // Assess
    expect(validate.code).toBe(0);
    expect(JSON.parse(validate.stdout)).toMatchObject({
      file: map,
      valid: true,
      live: true,
      identityKinds: expect.any(Number),
      postgresTables: expect.any(Number),
      searchWarnings: [],
      learnedColumnWarnings: [
        expect.objectContaining({ column: 'public.support_tickets.requester_email', identity: 'email' }),
      ],
      tablesWithoutErasureRule: expect.any(Array),
    });
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stdout)).toMatchObject({
      file: bad,
      valid: false,
      problems: [expect.objectContaining({ message: expect.any(String) })],
    });
    expect(preview.code).toBe(0);
    expect(JSON.parse(preview.stdout)).toMatchObject({ breaches: [] });
    expect(discover.code).toBe(0);
    const written = JSON.parse(await readFile(out, 'utf8')) as { evidenceHash: string };
    const summary = JSON.parse(discover.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      requestId: 'REQ-J',
      subjectHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      rows: 11,
      rounds: expect.any(Number),
      unreadable: 0,
      evidenceHash: written.evidenceHash,
      out,
    });
    expect(
      Object.values(summary.counts as Record<string, Record<string, number>>)
        .flatMap(Object.values)
        .reduce((a, b) => a + b, 0),
    ).toBe(11);
    expect(discoverToStdout.code).toBe(2);
    expect(discoverToStdout.stderr).toMatch(/--format json prints the summary on stdout: give --out FILE/);
    expect(erase.code).toBe(0);
    const plan = JSON.parse(erase.stdout) as {
      outcome: string;
      rehearsal: string;
      plan: { tables: { rows: number; found: number }[] };
    };
    expect(plan).toMatchObject({
      outcome: 'planned',
      dryRun: true,
      rehearsal: 'skipped',
      plan: { requestId: 'REQ-J', planHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(plan.plan.tables.reduce((n, t) => n + t.found, 0)).toBe(11);
    for (const run of [validate, preview, discover, erase])
      expect((run.stdout + run.stderr).toLowerCase()).not.toContain('ana.lopez');
  }, 120_000);
});

describe('Command: dsr report (arguments checked before anything is read)', () => {
  it('refuses a language it has no words for and a zip path that is a folder, with exit 2', async () => {
    const language = await dsr(['report', 'REQ-ANY', '--zip', join(dir, 'p.zip'), '--language', 'fr']);
    expect(language.code).toBe(2);
    expect(language.stderr).toContain('--language fr: the package is written in en or de');
    const folder = await dsr(['report', 'REQ-ANY', '--zip', dir]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain('is a directory: output is written only to a regular file');
  });
});
