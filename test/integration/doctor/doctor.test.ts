import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FunctionEnvironments, runDoctorChecks } from '../../../cli/commands/doctor';
import { runCli } from '../../../cli/main';
import type { FunctionName } from '../../../functions/functionConfigs';
import { type LocalAws, startLocalAws } from '../../../local/aws/startLocalAws';
import { localFunctionEnvironments } from '../../../local/pipeline/localFunctionEnvironments';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import type { DoctorRow } from '../../../shared/doctor/DoctorCheck';
import { formatDoctorReport } from '../../../shared/doctor/formatDoctorReport';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { startTestSnowflake } from '../../support/snowflake';

const mapText = (column: string, snowflakeTable: string) => `version: 1
identities:
  email: { normalize: lowercase }
  user_id: {}
postgres:
  - table: app.users
    primaryKey: [id]
    identities: { email: ${column}, user_id: id }
    mirror: ANALYTICS.PUBLIC.USERS
snowflake:
  - table: ${snowflakeTable}
    primaryKey: [SESSION_ID]
    identities: { user_id: USER_ID }
`;

let db: TestDatabase;
let sf: LocalSnowflake;
let aws: LocalAws;
let dir: string;
let goodMap: string;
let environments: Record<FunctionName, Record<string, string>>;

beforeAll(async () => {
  db = await createTestDatabase('doctor');
  // No foreign keys, a table the map does not name: the shapes real estates have.
  await db.exec('CREATE SCHEMA app; CREATE TABLE app.users (id integer PRIMARY KEY, email text NOT NULL)');
  await db.exec('CREATE TABLE app.audit (at timestamptz, note text)');
  sf = await startTestSnowflake();
  await sf.sql('CREATE DATABASE IF NOT EXISTS ANALYTICS');
  await sf.sql('CREATE SCHEMA IF NOT EXISTS ANALYTICS.PUBLIC');
  await sf.sql('CREATE TABLE ANALYTICS.PUBLIC.WEB_SESSIONS (SESSION_ID VARCHAR, USER_ID NUMBER(38,0))');
  await sf.sql('CREATE TABLE ANALYTICS.PUBLIC.USERS (ID NUMBER(38,0), EMAIL VARCHAR)');
  await sf.sql('CREATE DATABASE IF NOT EXISTS DSR');
  await sf.sql('CREATE SCHEMA IF NOT EXISTS DSR.EVIDENCE');
  aws = await startLocalAws();
  dir = await mkdtemp(join(tmpdir(), 'dsr-doctor-'));
  goodMap = join(dir, 'datamap.yaml');
  await writeFile(goodMap, mapText('email', 'ANALYTICS.PUBLIC.WEB_SESSIONS'));
  environments = localFunctionEnvironments({
    dataMapFile: goodMap,
    pgDsn: db.dsn,
    erasurePgDsn: db.dsn,
    erasureMaskKey: 'm'.repeat(40),
    subjectHashKey: 'k'.repeat(40),
    snowflake: {
      account: sf.account,
      url: sf.url,
      user: 'DSR',
      password: 'dsr',
      database: 'DSR',
      schema: 'EVIDENCE',
    },
    aws,
    pagerDuty: { url: 'http://127.0.0.1:9/v2/enqueue', routingKey: 'local-routing-key' },
    maxReceiveCount: 5,
  });
}, 180_000);

afterAll(async () => {
  await aws?.stop();
  await sf?.stop();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The environments with `change` applied to each function's (a copy). */
const changed = (change: (name: FunctionName, env: Record<string, string>) => void): FunctionEnvironments =>
  Object.fromEntries(
    Object.entries(environments).map(([name, env]) => {
      const copy = { ...env, SNOWFLAKE_LOGIN_TIMEOUT_MS: '4000', SNOWFLAKE_NETWORK_TIMEOUT_MS: '2000' };
      change(name as FunctionName, copy);
      return [name, copy];
    }),
  );
/** As a local run: the SQS and S3 clients of the local stack (its credentials), the rest from the environments. */
const run = (envs: FunctionEnvironments, dataMapFile?: string) =>
  runDoctorChecks(envs, {
    timeoutMs: 30_000,
    sqs: aws.sqs,
    s3: aws.s3,
    ...(dataMapFile ? { dataMapFile } : {}),
  });
const failures = (rows: readonly DoctorRow[]) => rows.filter((r) => r.status === 'fail');
const row = (rows: readonly DoctorRow[], name: RegExp) => {
  const found = rows.find((r) => name.test(r.name));
  if (!found) throw new Error(`no check ${name}: ${rows.map((r) => r.name).join('; ')}`);
  return found;
};

describe('Command: dsr doctor, against the local stack configured as deployed', { timeout: 120_000 }, () => {
  it('passes every check of a healthy stack, each dependency once', async () => {
    const rows = await run(changed(() => undefined));
    expect(failures(rows)).toEqual([]);
    expect(rows.filter((r) => /^configuration/.test(r.name))).toHaveLength(9);
    expect(row(rows, /^PostgreSQL reachable with PG_DSN$/).functions).toBe(
      'extractHigh, extractStandard, gate, erase, scan',
    );
    expect(row(rows, /^data map valid/).detail).toBe('1 table(s) as mapped');
    // The erase function's writing role logs in on its own (locally the same DSN, a separate check).
    expect(row(rows, /^PostgreSQL reachable with DSR_ERASURE_PG_DSN$/)).toMatchObject({
      functions: 'erase',
      status: 'pass',
    });
    // The extractors log in with the read-only role, the gate and the loader with theirs; the erase
    // function, which erases no Snowflake row under this map, searches as the read-only role too.
    expect(
      rows.filter((r) => /^Snowflake login as DSR/.test(r.name)).map((r) => `${r.functions}: ${r.name}`),
    ).toEqual([
      'extractHigh, extractStandard, erase: Snowflake login as DSR (role PUBLIC)',
      'gate, load, erase, deadLetterRecorder, scan, deadlineCheck: Snowflake login as DSR',
    ]);
    // The extractors and the erase function's read-only session read the mapped Snowflake table,
    // the gate the mirror.
    expect(
      rows.filter((r) => /^Snowflake SELECT/.test(r.name)).map((r) => `${r.functions}: ${r.detail}`),
    ).toEqual([
      'extractHigh, extractStandard, erase: 1 readable',
      'gate, load, erase, deadLetterRecorder, scan, deadlineCheck: 1 readable',
    ]);
    expect(row(rows, /^Snowflake load location DSR\.EVIDENCE$/).status).toBe('pass');
    expect(rows.filter((r) => /^queue /.test(r.name)).length).toBeGreaterThanOrEqual(5);
    // The erase queue, named by the gate and by the erase function itself.
    expect(rows.filter((r) => /^queue /.test(r.name) && /erase/.test(r.functions))).not.toEqual([]);
    expect(row(rows, /^payload bucket/).status).toBe('pass');
  });

  it('fails a configuration the function could not start with, naming the variable', async () => {
    const rows = await run(
      changed((name, env) => {
        if (name === 'gate') delete env.NEXT_QUEUE_URL;
      }),
    );
    const gate = rows.find((r) => r.functions === 'gate' && /^configuration/.test(r.name));
    expect(gate).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/NEXT_QUEUE_URL.*load queue/),
    });
    expect(failures(rows)).toHaveLength(1);
  });

  it('fails PostgreSQL on refused credentials, with the fix', async () => {
    const bad = new URL(db.dsn);
    bad.username = 'dsr_nobody';
    bad.password = 'wrong';
    const rows = await run(
      changed((_n, env) => {
        if (env.PG_DSN) env.PG_DSN = bad.toString();
      }),
    );
    const pg = row(rows, /^PostgreSQL reachable/);
    expect(pg).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/credentials refused \(SQLSTATE 28/),
    });
    expect(pg.status === 'fail' && pg.fix).toMatch(/update PG_DSN/);
    expect(JSON.stringify(rows)).not.toContain('wrong');
  });

  it("fails the erasure role's login on its own, naming the erasure role in the fix", async () => {
    const bad = new URL(db.dsn);
    bad.username = 'dsr_no_eraser';
    bad.password = 'wrong-erasure';
    const rows = await run(
      changed((_n, env) => {
        if (env.DSR_ERASURE_PG_DSN) env.DSR_ERASURE_PG_DSN = bad.toString();
      }),
    );
    const erasure = row(rows, /^PostgreSQL reachable with DSR_ERASURE_PG_DSN$/);
    expect(erasure).toMatchObject({ status: 'fail', functions: 'erase' });
    expect(erasure.status === 'fail' && erasure.fix).toMatch(
      /update DSR_ERASURE_PG_DSN with the erasure role's/,
    );
    expect(row(rows, /^PostgreSQL reachable with PG_DSN$/).status).toBe('pass');
    expect(failures(rows)).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain('wrong-erasure');
  });

  it('checks that the erase function can read each Snowflake table the data map erases', async () => {
    const file = join(dir, 'erasing.yaml');
    await writeFile(
      file,
      mapText('email', 'ANALYTICS.PUBLIC.WEB_SESSIONS').replace(
        'identities: { user_id: USER_ID }\n',
        'identities: { user_id: USER_ID }\n    erasure: delete\n',
      ),
    );
    const erasing = localFunctionEnvironments({
      dataMapFile: file,
      pgDsn: db.dsn,
      erasurePgDsn: db.dsn,
      erasureMaskKey: 'm'.repeat(40),
      subjectHashKey: 'k'.repeat(40),
      snowflake: {
        account: sf.account,
        url: sf.url,
        user: 'DSR',
        password: 'dsr',
        database: 'DSR',
        schema: 'EVIDENCE',
      },
      aws,
      pagerDuty: { url: 'http://127.0.0.1:9/v2/enqueue', routingKey: 'local-routing-key' },
      maxReceiveCount: 5,
    });
    expect(erasing.erase.SNOWFLAKE_ERASURE_USER).toBe('DSR');
    const rows = await run({ erase: { ...erasing.erase, SNOWFLAKE_LOGIN_TIMEOUT_MS: '4000' } });
    expect(failures(rows)).toEqual([]);
    // The loader's session (evidence) and the erasure user's (role PUBLIC locally), each logged in.
    expect(rows.filter((r) => /^Snowflake login/.test(r.name)).map((r) => r.name)).toEqual([
      'Snowflake login as DSR',
      'Snowflake login as DSR (role PUBLIC)',
    ]);
    expect(rows.filter((r) => /^Snowflake SELECT/.test(r.name)).map((r) => r.detail)).toEqual(['1 readable']);
  });

  it('fails the data map against the catalog, with the command that lists every problem', async () => {
    const file = join(dir, 'bad-column.yaml');
    await writeFile(file, mapText('mail', 'ANALYTICS.PUBLIC.WEB_SESSIONS'));
    const rows = await runDoctorChecks(
      changed(() => undefined),
      { dataMapFile: file, timeoutMs: 30_000 },
    );
    const check = row(rows, /^data map valid/);
    expect(check).toMatchObject({ status: 'fail', detail: expect.stringMatching(/mail/) });
    expect(check.status === 'fail' && check.fix).toContain(`dsr datamap validate ${file} --catalog`);
    expect(row(rows, /^PostgreSQL reachable/).status).toBe('pass');
  });

  it('fails a Snowflake login that is refused, and one that cannot reach the account', async () => {
    const refused = await run(
      changed((_n, env) => {
        if (env.SNOWFLAKE_PASSWORD) env.SNOWFLAKE_PASSWORD = 'wrong';
      }),
    );
    const login = row(refused, /^Snowflake login/);
    expect(login).toMatchObject({ status: 'fail', detail: expect.stringMatching(/login refused \(SF_390/) });
    expect(login.status === 'fail' && login.fix).toMatch(/ALTER USER DSR SET RSA_PUBLIC_KEY/);

    // Nothing listens there: the login is refused at once and retried until its deadline, which
    // need not be the healthy checks' 4 s to end in the same verdict.
    const unreachable = await run(
      changed((_n, env) => {
        if (env.SNOWFLAKE_ACCESS_URL) env.SNOWFLAKE_ACCESS_URL = 'http://127.0.0.1:9';
        env.SNOWFLAKE_LOGIN_TIMEOUT_MS = '1000';
      }),
    );
    const lost = row(unreachable, /^Snowflake login/);
    expect(lost).toMatchObject({ status: 'fail', detail: expect.stringMatching(/not reachable/) });
    expect(lost.status === 'fail' && lost.fix).toMatch(
      /NAT gateway.*snowflakeProxyHost and snowflakeProxyPort/,
    );
  });

  it('fails a table the role cannot read and a load location that is not there, with the grants', async () => {
    const file = join(dir, 'missing-table.yaml');
    await writeFile(file, mapText('email', 'ANALYTICS.PUBLIC.PAGE_VIEWS'));
    const rows = await run(
      changed((name, env) => {
        if (name === 'gate' || name === 'load') env.SNOWFLAKE_SCHEMA = 'NOPE';
      }),
      file,
    );
    const reads = rows.find((r) => /^Snowflake SELECT/.test(r.name) && r.functions.startsWith('extract'));
    expect(reads).toMatchObject({ status: 'fail', detail: '1 not readable: ANALYTICS.PUBLIC.PAGE_VIEWS' });
    expect(reads?.status === 'fail' && reads.fix).toContain(
      'GRANT SELECT ON TABLE ANALYTICS.PUBLIC.PAGE_VIEWS TO ROLE PUBLIC',
    );
    const location = row(rows, /^Snowflake load location DSR\.NOPE$/);
    expect(location).toMatchObject({ status: 'fail', detail: 'schema DSR.NOPE not visible' });
    expect(location.status === 'fail' && location.fix).toContain(
      'GRANT USAGE, CREATE TABLE ON SCHEMA DSR.NOPE',
    );
  });

  it('fails a queue and a bucket that do not answer', async () => {
    const rows = await run(
      changed((name, env) => {
        if (name === 'gate') env.NEXT_QUEUE_URL = `${env.NEXT_QUEUE_URL}-gone`;
        if (env.PAYLOAD_BUCKET) env.PAYLOAD_BUCKET = 'dsr-no-such-bucket';
      }),
    );
    const queue = rows.find((r) => r.name === 'queue NEXT_QUEUE_URL' && r.functions === 'gate');
    expect(queue).toMatchObject({ status: 'fail', detail: expect.stringMatching(/-gone/) });
    expect(queue?.status === 'fail' && queue.fix).toMatch(/sqs:GetQueueAttributes/);
    const bucket = row(rows, /^payload bucket/);
    expect(bucket).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^dsr-no-such-bucket/) });
    expect(
      failures(rows)
        .map((r) => r.name)
        .sort(),
    ).toEqual(['payload bucket PAYLOAD_BUCKET', 'queue NEXT_QUEUE_URL']);
  });

  it('prints the pass/fail table and the fixes, and exits 1 on a failure', async () => {
    const file = join(dir, 'environments.json');
    await writeFile(
      file,
      JSON.stringify(
        changed((_n, env) => {
          if (env.PAYLOAD_BUCKET) env.PAYLOAD_BUCKET = 'dsr-no-such-bucket';
        }),
      ),
    );
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const spyErr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    // The command uses the shell's AWS credentials, as after a deploy: here the local stack's.
    vi.stubEnv('AWS_ACCESS_KEY_ID', aws.credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', aws.credentials.secretAccessKey);
    let code: number;
    try {
      code = await runCli(['doctor', '--environments', file, '--timeout-ms', '30000']);
    } finally {
      spy.mockRestore();
      spyErr.mockRestore();
      vi.unstubAllEnvs();
    }
    expect(code).toBe(1);
    const text = out.join('');
    expect(text).toMatch(/^#\s+result\s+functions\s+check\s+detail/);
    expect(text).toMatch(
      /FAIL\s+extractHigh, extractStandard, gate, load, erase, deadLetterRecorder, deadlineCheck\s+payload bucket PAYLOAD_BUCKET/,
    );
    expect(text).toMatch(/\d+ passed, 1 failed/);
    expect(text).toMatch(/To fix:\n\s+\d+\. payload bucket PAYLOAD_BUCKET: check that PAYLOAD_BUCKET names/);
    expect(formatDoctorReport([])).toContain('0 passed, 0 failed');
  });
});
