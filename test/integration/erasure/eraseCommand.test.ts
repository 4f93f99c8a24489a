import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDsr } from '../../support/cliProgram';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

const HASH_KEY = 'cli-test-subject-hash-key-0123456789abcdef';
const MASK_KEY = 'cli-test-erasure-mask-key-0123456789abcdef';

const stateDir = join(tmpdir(), `dsr-erase-state-${process.pid}-${Date.now()}`);

/** Runs `dsr` in this process (the exit codes and output of the binary; no child process needed). */
function dsr(args: string[], env: Record<string, string | undefined> = {}) {
  return runDsr(args, {
    PG_DSN: undefined,
    DSR_SUBJECT_HASH_KEY: undefined,
    DSR_ERASURE_PG_DSN: undefined,
    // Each run keeps its erasure state in a directory of its own, not in the checkout.
    DSR_ERASURE_STATE_DIR: stateDir,
    ...env,
  });
}

// No foreign keys at all: the data map's follow edges order the deletes. A keyless log.
const SCHEMA = `
  CREATE TABLE public.account (id int PRIMARY KEY, email text NOT NULL, name text);
  CREATE TABLE public.purchase (id int PRIMARY KEY, account_id int, item text);
  CREATE TABLE public.event_log (account_id int, what text);
  CREATE TABLE public.newsletter (email text);
  CREATE TABLE public.invoice (id int PRIMARY KEY, account_id int, amount int);
  INSERT INTO public.invoice VALUES (50, 1, 10), (51, 2, 20);
  INSERT INTO public.account VALUES (1, 'ana@x.test', 'Ana'), (2, 'ben@x.test', 'Ben');
  INSERT INTO public.purchase VALUES (10, 1, 'tea'), (11, 2, 'coffee');
  INSERT INTO public.event_log VALUES (1, 'login'), (2, 'login');
`;
const MAP = `version: 1
identities:
  email: { normalize: lowercase }
  account_id: {}
postgres:
  - table: public.account
    primaryKey: [id]
    identities: { email: email, account_id: id }
    learn: [account_id]
    erasure: delete
  - table: public.purchase
    primaryKey: [id]
    follow: { account_id: public.account.id }
    erasure: delete
  - table: public.invoice
    primaryKey: [id]
    follow: { account_id: public.account.id }
    erasure: { action: retain, ground: "commercial law: 6 years", until: P6Y }
  - table: public.event_log
    identities: { account_id: account_id }
    erasure: delete
  - table: public.newsletter
    identities: { email: email }
`;

let pg: TestDatabase;
let dir: string;
let file: string;
beforeAll(async () => {
  pg = await createTestDatabase('erasecli');
  await pg.exec(SCHEMA);
  dir = await mkdtemp(join(tmpdir(), 'dsr-erase-'));
  file = join(dir, 'map.yaml');
  await writeFile(file, MAP);
});
afterAll(async () => {
  await pg.exec(`DROP OWNED BY erase_${pg.name}; DROP ROLE erase_${pg.name}`).catch(() => undefined);
  await pg.drop();
  await rm(stateDir, { recursive: true, force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function snapshot(): Promise<string> {
  const r = await pg.exec(`SELECT (SELECT string_agg(a::text, ',' ORDER BY id) FROM public.account a) AS a,
    (SELECT string_agg(p::text, ',' ORDER BY id) FROM public.purchase p) AS p,
    (SELECT string_agg(i::text, ',' ORDER BY id) FROM public.invoice i) AS i,
    (SELECT string_agg(e::text, ',' ORDER BY e::text) FROM public.event_log e) AS e`);
  return JSON.stringify(r.rows[0]);
}

describe('Command: dsr erase', () => {
  it('datamap validate lists the tables without an erasure rule', async () => {
    const run = await dsr(['datamap', 'validate', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '1 table without an erasure rule (left untouched by erasure):\n  postgres public.newsletter\n',
    );
  });

  it('--dry-run prints the plan per table and changes nothing', async () => {
    const before = await snapshot();
    const run = await dsr(['erase', '--dry-run', '--datamap', file, '--subject', 'email=ana@x.test'], {
      PG_DSN: pg.dsn,
      DSR_SUBJECT_HASH_KEY: HASH_KEY,
    });
    expect(run.code).toBe(0);
    // No foreign keys: purchase follows account's key, so it is deleted first.
    expect(run.stdout).toContain(
      [
        '  1. postgres public.event_log: delete 1 row(s)',
        '  2. postgres public.purchase: delete 1 row(s)',
        '  3. postgres public.account: delete 1 row(s)',
        '  4. postgres public.invoice: retain 1 row(s): commercial law: 6 years (until P6Y)',
      ].join('\n'),
    );
    expect(run.stdout).toContain('dry run: nothing was changed');
    expect(`${run.stdout}${run.stderr}`).not.toContain('ana@x.test');
    expect(await snapshot()).toBe(before);
  });

  it('refuses output paths that cannot hold the receipt before anything changes: a missing folder, one file for two outputs, the state of record', async () => {
    // Prepare
    const before = await snapshot();
    const env = {
      PG_DSN: pg.dsn,
      DSR_SUBJECT_HASH_KEY: HASH_KEY,
      DSR_ERASURE_PG_DSN: pg.dsn,
      DSR_ERASURE_MASK_KEY: HASH_KEY,
    };
    const erase = (...extra: string[]) =>
      dsr(
        ['erase', '--datamap', file, '--subject', 'email=ana@x.test', '--request-id', 'req-paths', ...extra],
        env,
      );

    // Act
    const missing = await erase('--out', join(dir, 'no-such-folder', 'receipt.json'));
    const same = await erase('--out', join(dir, 'one.txt'), '--confirmation', join(dir, 'one.txt'));
    await mkdir(stateDir, { recursive: true });
    const state = await erase('--out', join(stateDir, 'req-paths.json'));

    // Assess: usage errors naming the cause; nothing erased.
    expect([missing.code, same.code, state.code]).toEqual([2, 2, 2]);
    expect(missing.stderr).toContain(`its folder ${join(dir, 'no-such-folder')} does not exist`);
    expect(same.stderr).toContain('--out and --confirmation name the same file');
    expect(state.stderr).toContain("holds the erasure's state of record");
    expect(await snapshot()).toBe(before);
  });

  it('ends erasure_unverified naming the table, and says how to plan again after changing the map', async () => {
    // Prepare: Dee is only in the newsletter, which has no erasure rule.
    await pg.exec(`INSERT INTO public.newsletter VALUES ('dee@x.test')`);
    const env = {
      PG_DSN: pg.dsn,
      DSR_SUBJECT_HASH_KEY: HASH_KEY,
      DSR_ERASURE_PG_DSN: pg.dsn,
      DSR_ERASURE_MASK_KEY: HASH_KEY,
    };

    // Act
    const run = await dsr(
      ['erase', '--datamap', file, '--subject', 'email=dee@x.test', '--request-id', 'req-dee'],
      env,
    );

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('erasure_unverified: still findable in postgres public.newsletter');
    expect(run.stderr).toContain('run a new request (--request-id) to plan again');
    expect(run.stderr).not.toContain('dee@x.test');
    await pg.exec(`DELETE FROM public.newsletter WHERE email = 'dee@x.test'`);
  });

  it('refuses to execute without the erasure role', async () => {
    const run = await dsr(['erase', '--datamap', file, '--subject', 'email=ana@x.test'], {
      PG_DSN: pg.dsn,
      DSR_SUBJECT_HASH_KEY: HASH_KEY,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--write-dsn or DSR_ERASURE_PG_DSN');
  });

  it('executes with a role holding only the documented grants, proves, and prints a hashed receipt without personal values', async () => {
    // Prepare: the erasure role of the README, nothing more.
    const role = `erase_${pg.name}`;
    await pg.exec(`CREATE ROLE ${role} LOGIN PASSWORD 'erase-pw';
      GRANT USAGE ON SCHEMA public TO ${role};
      GRANT SELECT, DELETE, UPDATE (id) ON public.account, public.purchase TO ${role};
      GRANT SELECT, DELETE, UPDATE (account_id) ON public.event_log TO ${role};`);
    const writeDsn = new URL(pg.dsn);
    writeDsn.username = role;
    writeDsn.password = 'erase-pw';
    const out = join(dir, 'receipt.json');
    const confirmation = join(dir, 'receipt.md');
    const run = await dsr(
      [
        'erase',
        '--datamap',
        file,
        '--subject',
        'email=ana@x.test',
        '--request-id',
        'req-cli',
        '--out',
        out,
        '--confirmation',
        confirmation,
      ],
      {
        PG_DSN: pg.dsn,
        DSR_SUBJECT_HASH_KEY: HASH_KEY,
        DSR_ERASURE_PG_DSN: writeDsn.toString(),
        DSR_ERASURE_MASK_KEY: MASK_KEY,
        DSR_PG_BACKUP_RETENTION_DAYS: '35',
      },
    );
    expect(run.stderr).toContain('erased: receipt sha256');
    expect(run.code).toBe(0);
    const receipt = JSON.parse(await readFile(out, 'utf8'));
    expect(receipt).toMatchObject({ requestId: 'req-cli', outcome: 'erased', remaining: [] });
    expect(receipt.tables).toEqual([
      expect.objectContaining({
        table: 'public.event_log',
        action: 'delete',
        found: 1,
        deleted: 1,
        remaining: 0,
        unrecoverableAfterDays: 35,
      }),
      expect.objectContaining({
        table: 'public.purchase',
        action: 'delete',
        found: 1,
        deleted: 1,
        remaining: 0,
      }),
      expect.objectContaining({
        table: 'public.account',
        action: 'delete',
        found: 1,
        deleted: 1,
        remaining: 0,
      }),
      expect.objectContaining({
        table: 'public.invoice',
        action: 'retain',
        retained: 1,
        ground: 'commercial law: 6 years',
        remaining: 1,
      }),
    ]);
    expect((await pg.exec('SELECT id FROM public.account')).rows).toEqual([{ id: 2 }]);
    expect((await pg.exec('SELECT account_id FROM public.event_log')).rows).toEqual([{ account_id: 2 }]);
    expect((await pg.exec('SELECT id FROM public.purchase')).rows).toEqual([{ id: 11 }]);
    expect((await pg.exec('SELECT count(*)::int AS n FROM public.invoice')).rows[0].n).toBe(2);
    const md = await readFile(confirmation, 'utf8');
    expect(md).toContain('# Erasure confirmation — request req-cli');
    expect(md).toContain('retain — commercial law: 6 years (until P6Y)');
    for (const text of [run.stdout, run.stderr, JSON.stringify(receipt), md]) {
      expect(text).not.toContain('ana@x.test');
      expect(text).not.toContain('Ana');
    }
  });

  it('refuses a subject whose rows would take more heap than it may hold, naming the fix, changing nothing', async () => {
    // Prepare: a third person with 1,000 purchases, about 2 MiB by the plan's estimate, under a 1 MiB limit.
    await pg.exec(`INSERT INTO public.account VALUES (3, 'cy@x.test', 'Cy');
      INSERT INTO public.purchase SELECT 1000 + g, 3, 'item ' || g FROM generate_series(1, 1000) g`);
    const before = await snapshot();

    // Act
    const run = await dsr(['erase', '--dry-run', '--datamap', file, '--subject', 'email=cy@x.test'], {
      PG_DSN: pg.dsn,
      DSR_SUBJECT_HASH_KEY: HASH_KEY,
      DSR_ERASE_PLAN_HEAP_MIB: '1',
    });

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/would take more than 1 MiB .*stopped after \d+ rows; nothing was changed/);
    expect(run.stderr).toContain('NODE_OPTIONS="--max-old-space-size=<MiB>"');
    expect(`${run.stdout}${run.stderr}`).not.toContain('cy@x.test');
    expect(await snapshot()).toBe(before);
    // The same subject plans under the default limit (two thirds of this process's heap).
    const planned = await dsr(['erase', '--dry-run', '--datamap', file, '--subject', 'email=cy@x.test'], {
      PG_DSN: pg.dsn,
      DSR_SUBJECT_HASH_KEY: HASH_KEY,
    });
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain('postgres public.purchase: delete 1000 row(s)');
  });
});
