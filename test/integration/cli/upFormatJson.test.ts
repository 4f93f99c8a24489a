import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, writeCliProgram } from '../../support/cliProgram';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { waitFor } from '../../support/waitFor';

const SCHEMA = `
CREATE TABLE patients (id integer PRIMARY KEY, email text NOT NULL, full_name text NOT NULL);
CREATE TABLE appointments (id integer PRIMARY KEY, patient_id integer NOT NULL REFERENCES patients(id), reason text);
INSERT INTO patients VALUES (1, 'mira.novak@example.com', 'Mira Novak'), (2, 'omar.haddad@example.org', 'Omar Haddad');
INSERT INTO appointments VALUES (10, 1, 'Annual check-up'), (11, 2, 'Vaccination');
`;
const MAP = `version: 1
identities:
  email: { normalize: lowercase }
  patient_id: {}
postgres:
  - table: public.patients
    primaryKey: [id]
    identities: { email: email, patient_id: id }
    learn: [patient_id]
    erasure: delete
  - table: public.appointments
    primaryKey: [id]
    follow: { patient_id: public.patients.id }
    erasure: delete
`;

let database: TestDatabase;
let dir: string;
let program: string;
let umask: number;

/** The settings `dsr up` wrote for another terminal, read from its env file. */
async function sourced(envFile: string): Promise<Record<string, string>> {
  const text = await readFile(envFile, 'utf8');
  return Object.fromEntries(
    [...text.matchAll(/^(?:export )?([A-Z_]+)='([^']*)'$/gm)].map((m) => [m[1] as string, m[2] as string]),
  );
}

beforeAll(async () => {
  database = await createTestDatabase('upjson');
  await database.exec(SCHEMA);
  dir = await mkdtemp(join(tmpdir(), 'dsr-up-json-'));
  await writeFile(join(dir, 'clinic.yaml'), MAP);
  program = await writeCliProgram(dir, 'dsr-up', { up: 'registerUp' });
  umask = process.umask();
});

afterAll(async () => {
  // `dsr up` sets the process's umask to 077 for what it writes.
  if (umask !== undefined) process.umask(umask);
  if (dir) await rm(dir, { recursive: true, force: true });
  await database?.drop();
});

describe('Command: dsr up --format json', () => {
  it('prints one JSON object per stdout line: start-up, the request by its id to its package, and the stop', async () => {
    // Prepare: a request sent as another terminal sends it, once dsr up has written its env file;
    // Ctrl+C (through the listener the command adds, and only it) once the runtime has told the
    // request's terminal state (it forgets the request's messages as it tells it).
    const state = join(dir, '.dsr');
    const envFile = join(state, 'env');
    const before = new Set([...process.listeners('SIGINT'), ...process.listeners('SIGTERM')]);
    const map = join(dir, 'clinic.yaml');
    const stop = () => process.listeners('SIGINT').find((l) => !before.has(l))?.('SIGINT');
    const driven = (async () => {
      if (
        !(await waitFor(
          () =>
            readFile(envFile).then(
              () => true,
              () => false,
            ),
          120_000,
          100,
        ))
      )
        return false;
      const env = await sourced(envFile);
      const sqs = new SQSClient({
        region: env.AWS_REGION,
        endpoint: env.DSR_SQS_ENDPOINT,
        credentials: {
          accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
        },
      });
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: env.DSR_QUEUE_URL,
          MessageBody: JSON.stringify({
            version: 1,
            requestId: 'REQ-JSON-1',
            type: 'access',
            subject: { email: ['Mira.Novak@example.com'] },
            jurisdiction: 'GDPR',
            receivedAt: new Date().toISOString(),
          }),
        }),
      );
      sqs.destroy();
      return waitFor(
        async () =>
          (await readFile(join(state, 'completions.ndjson'), 'utf8').catch(() => '')).includes(
            'REQ-JSON-1',
          ) && (await readdir(join(state, 'messages'))).length === 0,
        120_000,
        100,
      );
    })().finally(stop);

    // Act
    const run = await runCli(program, ['up', '--datamap', map, '--state', state, '--format', 'json'], {
      PG_DSN: database.dsn,
    });
    const told = await driven;
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      for (const l of process.listeners(signal)) if (!before.has(l)) process.off(signal, l);

    // Assess
    expect(told, run.stderr).toBe(true);
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toContain('dsr: stopped on SIGINT; 0 unfinished request(s)');
    const lines = run.stdout.trimEnd().split('\n');
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events[0]).toEqual({
      event: 'started',
      stateDir: state,
      envFile,
      dataMapFile: map,
      warehouse: {
        kind: 'local',
        warehouse: 'LOCAL_WH',
        database: 'DSR',
        schema: 'EVIDENCE',
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        file: join(state, 'warehouse.duckdb'),
      },
      queues: {
        high: expect.stringContaining('dsr-high'),
        standard: expect.stringContaining('dsr-standard'),
      },
      endpoints: {
        sqs: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        s3: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      },
      ports: { sqs: expect.any(Number), s3: expect.any(Number), snowflake: expect.any(Number) },
      portsMoved: [],
      bucket: 'dsr-bridge-payloads',
      completionsFile: join(state, 'completions.ndjson'),
    });
    const startedEvent = events[0] as {
      queues: { high: string };
      endpoints: { sqs: string };
      ports: { sqs: number; snowflake: number };
      warehouse: { url: string };
    };
    // What it prints is what it wrote for the other terminal.
    const env = await sourced(envFile);
    expect(startedEvent.queues.high).toBe(env.DSR_QUEUE_URL);
    expect(startedEvent.endpoints.sqs).toBe(`http://127.0.0.1:${startedEvent.ports.sqs}`);
    expect(startedEvent.warehouse.url).toBe(`http://127.0.0.1:${startedEvent.ports.snowflake}`);
    expect(events[1]).toEqual({
      event: 'ready',
      resumed: 0,
      envFile,
      dataMapFile: map,
      completionsFile: join(state, 'completions.ndjson'),
    });
    const requests = events.filter((e) => e.event === 'request');
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) expect(r).toMatchObject({ requestId: 'REQ-JSON-1', state: expect.any(String) });
    expect(requests.filter((r) => r.final === false).length).toBe(requests.length - 1);
    expect(requests.at(-1)).toEqual({
      event: 'request',
      requestId: 'REQ-JSON-1',
      state: 'loaded',
      final: true,
      package: 's3://dsr-bridge-payloads/packages/REQ-JSON-1/',
      report: `npx dsr report REQ-JSON-1 --datamap ${map}`,
    });
    expect(events.at(-1)).toEqual({ event: 'stopped', signal: 'SIGINT', unfinished: 0, stateDir: state });
    // Nothing but the events above, and no identifier or value of the subject in any of them.
    expect(events.every((e) => ['started', 'ready', 'request', 'stopped'].includes(e.event as string))).toBe(
      true,
    );
    for (const value of ['mira', 'Mira', 'example.com', 'Annual check-up', 'omar'])
      expect(run.stdout).not.toContain(value);
  }, 240_000);
});
