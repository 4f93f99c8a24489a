import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3PayloadStore } from '../../../adapters/aws/S3PayloadStore';
import { SqsMessageQueue } from '../../../adapters/aws/SqsMessageQueue';
import { type LocalAws, startLocalAws } from '../../../local/aws/startLocalAws';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import type { CanonicalObject } from '../../../shared/canonical/CanonicalValue';
import { parseExactJson } from '../../../shared/canonical/parseExactJson';
import {
  buildFindingsDocument,
  type FindingsDocument,
  serializeFindingsDocument,
} from '../../../shared/discovery/FindingsDocument';
import { findingsSourceOf } from '../../../shared/discovery/FindingsStream';
import { parseIntakeMessage } from '../../../shared/intake/parseIntakeMessage';
import { appendLedgerEntry } from '../../../shared/load/appendLedgerEntry';
import { loadFindings } from '../../../shared/load/loadFindings';
import { SnowflakeLedger } from '../../../shared/load/SnowflakeLedger';
import type { SqsRecord } from '../../../shared/pipeline/sqsEvent';
import { extractStage } from '../../../shared/pipeline/stages/extractStage';
import { configureSnowflakeDriver } from '../../../shared/snowflake/configureSnowflakeDriver';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { createLogger } from '../../../shared/telemetry/createLogger';
import { type CliRun, localSnowflakeCliEnv, runCli, writeCliProgram } from '../../support/cliProgram';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from '../snowflake/helpers';

/** The program lives in a temporary directory, where `commander` does not resolve by name. */
const AT = { database: 'EVIDENCE', schema: 'DSR' };
const EMAIL = 'Zoe.Quinn@Example.com';
const PHONE = '+44 20 7946 0999';

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
  phone: { normalize: digits }
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email, phone: phone }
    learn: [email, phone]
    disclosure:
      purposes: [running your account]
  - table: public.notes
    primaryKey: [user_id, n]
    follow: { user_id: public.users.id }
snowflake:
  - table: ANALYTICS.PUBLIC.SESSIONS
    primaryKey: [ID]
    identities: { email: EMAIL }
`;

let dir: string;
let program: string;
let mapFile: string;
let aws: LocalAws;
let sf: LocalSnowflake;
let db: SnowflakeDatabase;

/** Runs `dsr …` (the four pipeline commands, in this process) against the local components. */
function dsr(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runCli(program, args, {
    AWS_REGION: aws.region,
    AWS_ACCESS_KEY_ID: aws.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.credentials.secretAccessKey,
    DSR_SQS_ENDPOINT: aws.sqsEndpoint,
    ...localSnowflakeCliEnv(sf, AT),
    SNOWFLAKE_STATEMENT_TIMEOUT_MS: '20000',
    ...env,
  });
}

/** Receives (and deletes) every message now on a queue. */
async function receiveAll(queueUrl: string, waitSeconds = 0): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages } = await aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: all.length === 0 ? waitSeconds : 0,
      }),
    );
    if (!Messages?.length) return all;
    for (const m of Messages) {
      all.push(m);
      await aws.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

beforeAll(async () => {
  configureSnowflakeDriver({ logLevel: 'OFF' });
  dir = await mkdtemp(join(tmpdir(), 'dsr-pipeline-cli-'));
  // .mts: an ES module outside the package, so top-level await is allowed.
  program = await writeCliProgram(dir, 'dsr-pipeline', {
    submit: 'registerSubmit',
    status: 'registerStatus',
    redrive: 'registerRedrive',
    report: 'registerReport',
  });
  mapFile = join(dir, 'datamap.yaml');
  await writeFile(mapFile, MAP);
  aws = await startLocalAws();
  sf = await startTestSnowflake();
  await sf.sql(`CREATE DATABASE ${AT.database}`);
  await sf.sql(`CREATE SCHEMA ${AT.database}.${AT.schema}`);
  db = openTestSnowflakeDatabase(sf);
}, 60_000);

afterAll(async () => {
  await db?.close();
  await sf?.stop();
  await aws?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Command: dsr submit', () => {
  it('builds an intake message from its options, sends it, and prints the SQS message id', async () => {
    const queue = aws.queues.standard.url;
    const run = await dsr([
      'submit',
      '--queue-url',
      queue,
      '--request-id',
      'REQ-SUBMIT-1',
      '--subject',
      `email=${EMAIL}`,
      '--subject',
      `phone=${PHONE}`,
      '--jurisdiction',
      'CCPA',
      '--type',
      'erasure',
      '--received-at',
      '2025-03-01T09:30:00Z',
      '--datamap',
      mapFile,
    ]);
    expect(run).toMatchObject({ code: 0, stderr: expect.stringContaining('REQ-SUBMIT-1') });
    const messageId = run.stdout.trim();
    expect(messageId).toMatch(/^[0-9a-f-]{36}$/);

    const [message, ...more] = await receiveAll(queue, 2);
    expect(more).toHaveLength(0);
    expect(message?.MessageId).toBe(messageId);
    const request = parseIntakeMessage(message?.Body ?? '', { identityKinds: ['email', 'phone'] });
    expect(request).toMatchObject({
      requestId: 'REQ-SUBMIT-1',
      type: 'erasure',
      jurisdiction: 'CCPA',
      receivedAt: '2025-03-01T09:30:00Z',
      // CCPA: 45 calendar days.
      deadline: '2025-04-15T09:30:00.000Z',
      subject: { email: [EMAIL], phone: [PHONE] },
    });
    for (const text of [run.stdout, run.stderr]) {
      expect(text).not.toContain(EMAIL);
      expect(text).not.toContain(PHONE);
    }
  });

  it('sends a message file exactly as written, accepting the kinds it uses when no data map is given', async () => {
    const queue = aws.queues.high.url;
    const body = `{"version":1,"requestId":"REQ-FILE-1","type":"access","subject":{"customer_no":"C-123"},"jurisdiction":"GDPR","receivedAt":"2025-01-31T00:00:00Z"}`;
    const file = join(dir, 'message.json');
    await writeFile(file, body);
    const run = await dsr(['submit', '--queue-url', queue, '--file', file]);
    expect(run.code).toBe(0);
    const messages = await receiveAll(queue, 2);
    expect(messages.map((m) => [m.MessageId, m.Body])).toEqual([[run.stdout.trim(), body]]);
  });

  it('fails with exit 2, the reason and no message sent when the message is invalid', async () => {
    const queue = aws.queues.standard.url;
    const file = join(dir, 'hostile.json');
    await writeFile(
      file,
      `{"version":1,"requestId":"REQ-BAD-3","type":"access","subject":{"__proto__":"${EMAIL}"},"jurisdiction":"GDPR","receivedAt":"2025-01-31T00:00:00Z"}`,
    );
    const build = (requestId: string, subject: string, ...more: string[]) => [
      'submit',
      '--queue-url',
      queue,
      '--request-id',
      requestId,
      '--subject',
      subject,
      '--jurisdiction',
      'GDPR',
      ...more,
    ];
    // Independent processes: run side by side.
    const [unknownKind, badDate, hostile, incomplete, mixed, badJurisdiction, notAnAddress] =
      await Promise.all([
        dsr(build('REQ-BAD-1', 'passport=P99887766', '--datamap', mapFile)),
        dsr(build('REQ-BAD-2', `email=${EMAIL}`, '--received-at', '2025-02-30T10:00:00Z')),
        dsr(['submit', '--queue-url', queue, '--file', file]),
        dsr(['submit', '--queue-url', queue, '--request-id', 'REQ-BAD-4']),
        dsr(['submit', '--queue-url', queue, '--file', file, '--request-id', 'X']),
        dsr(['submit', '--queue-url', queue, '--jurisdiction', 'PIPEDA']),
        // An e-mail kind given something no row can hold: it would be answered "we hold nothing".
        dsr(build('REQ-BAD-5', 'email=mira.secret')),
      ]);
    expect(notAnAddress).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--subject email: the value is not an e-mail address'),
    });
    expect(notAnAddress.stderr).not.toContain('mira.secret');
    expect(unknownKind.code).toBe(2);
    expect(unknownKind.stderr).toMatch(
      /invalid intake message, nothing sent: unknown_identity_kind: unknown identity kind "passport"/,
    );
    expect(unknownKind.stderr).not.toContain('P99887766');
    expect(badDate).toMatchObject({ code: 2, stderr: expect.stringMatching(/bad_date: receivedAt/) });
    expect(badDate.stderr).not.toContain(EMAIL);
    expect(hostile).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown_identity_kind/) });
    expect(hostile.stderr).not.toContain(EMAIL);
    expect(incomplete).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/missing --subject, --jurisdiction/),
    });
    expect(mixed).toMatchObject({ code: 2, stderr: expect.stringMatching(/leave out --request-id/) });
    expect(badJurisdiction).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/GDPR, UK_GDPR, CCPA or LGPD/),
    });

    // Each command has returned, so a message it sent would be on the queue already.
    expect(await receiveAll(queue)).toEqual([]);
  }, 60_000);

  it('prints its usage with --help and exits 0', async () => {
    const run = await dsr(['submit', '--help']);
    expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/--queue-url <url>[\s\S]*--file/) });
  });
});

describe('Command: dsr redrive', () => {
  it("moves a dead-lettered message back to its source queue and prints each queue's outcome", async () => {
    const { high, gate } = aws.queues;
    const body = '{"version":1,"requestId":"REQ-DLQ-1"}';
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: high.deadLetterUrl, MessageBody: body }));

    const run = await dsr([
      'redrive',
      '--dead-letter-arn',
      high.deadLetterArn,
      '--dead-letter-arn',
      gate.deadLetterArn,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${high.deadLetterArn}: started moving 1 message to ${high.arn}`);
    expect(run.stdout).toContain(`${gate.deadLetterArn}: empty, nothing to move`);

    // The move task runs asynchronously in SQS.
    const deadline = Date.now() + 10_000;
    let moved: Message[] = [];
    while (moved.length === 0 && Date.now() < deadline) moved = await receiveAll(high.url, 1);
    expect(moved.map((m) => m.Body)).toEqual([body]);
    expect(await receiveAll(high.deadLetterUrl)).toEqual([]);
  }, 30_000);

  it('fails with exit 2 for an argument that is not a queue ARN, and 1 for a queue that does not exist', async () => {
    const bad = await dsr(['redrive', '--dead-letter-arn', 'dsr-high-dlq']);
    expect(bad).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--dead-letter-arn takes an SQS queue ARN/),
    });

    const missing = aws.queues.high.deadLetterArn.replace(/[^:]+$/, 'no-such-dlq');
    const run = await dsr([
      'redrive',
      '--dead-letter-arn',
      missing,
      '--dead-letter-arn',
      aws.queues.load.deadLetterArn,
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${missing}: failed`);
    // The other queue was still worked.
    expect(run.stdout).toContain(`${aws.queues.load.deadLetterArn}: empty`);
    expect(run.stderr).toMatch(/1 of 2 dead-letter queues could not be redriven/);
  });
});

/** Lands a request as the pipeline would: its ledger history and, when loaded, its findings. */
async function seedRequest(
  requestId: string,
  options: { document?: FindingsDocument; states?: readonly string[] } = {},
): Promise<void> {
  const states = options.states ?? ['received', 'discovering', 'discovered', 'gated', 'loading', 'loaded'];
  const start = Date.parse('2025-03-01T09:30:05.000Z');
  for (const [i, state] of states.entries()) {
    const detail: CanonicalObject | null =
      state === 'received'
        ? {
            subjectHash: options.document?.subject.hash ?? 'a'.repeat(64),
            priority: 'high',
            type: 'access',
            jurisdiction: 'GDPR',
            receivedAt: '2025-03-01T09:30:00Z',
            deadline: '2025-04-01T09:30:00.000Z',
            deadlineComputed: true,
          }
        : state === 'loaded' && options.document
          ? { rows: options.document.findings.length, evidenceHash: options.document.evidenceHash }
          : null;
    await appendLedgerEntry(db, AT, {
      requestId,
      state,
      stage: state === 'received' || state.startsWith('discover') ? 'extract-high' : 'load',
      at: new Date(start + i * 1000),
      traceId: `trace-${requestId}`,
      detail,
    });
  }
  if (options.document)
    await loadFindings(db, AT, options.document, { discoveredAt: new Date(start + 2000) });
}

/** The findings discovery would produce for one subject under {@link MAP}. */
function findingsDocument(requestId: string): FindingsDocument {
  return buildFindingsDocument({
    requestId,
    subjectHash: 'b'.repeat(64),
    tables: [
      {
        system: 'postgres',
        table: 'public.users',
        primaryKey: ['id'],
        rows: [
          {
            key: { id: 42 },
            provenance: [
              { column: 'email', identity: 'email', round: 1, source: 'request', via: 'identity' },
            ],
            row: { email: EMAIL, id: 42, name: 'Zoë Quinn' },
          },
        ],
      },
      {
        system: 'postgres',
        table: 'public.notes',
        primaryKey: ['user_id', 'n'],
        rows: [10, 2].map((n) => ({
          key: { n, user_id: 42 },
          provenance: [
            { column: 'user_id', from: 'postgres:public.users.id', round: 2, via: 'follow' as const },
          ],
          row: { body: `note ${n}`, n, user_id: 42 },
        })),
      },
      { system: 'snowflake', table: 'ANALYTICS.PUBLIC.SESSIONS', primaryKey: ['ID'], rows: [] },
    ],
  });
}

describe('Command: dsr status', () => {
  it("prints a request's transitions and its current state", async () => {
    await seedRequest('REQ-STATUS-1', { document: findingsDocument('REQ-STATUS-1') });
    const run = await dsr(['status', 'REQ-STATUS-1']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    const states = lines
      .filter((l) => l.startsWith('2025-'))
      .map((l) => l.split(/\s+/).slice(1, 3).join(' '));
    expect(states).toEqual([
      'received extract-high',
      'discovering extract-high',
      'discovered extract-high',
      'gated load',
      'loading load',
      'loaded load',
    ]);
    expect(run.stdout).toMatch(
      /^2025-03-01T09:30:05\.000000Z\s+received\s+extract-high\s+trace-REQ-STATUS-1\s+.*jurisdiction=GDPR/m,
    );
    expect(run.stdout).toMatch(/current state: loaded \(load, 2025-03-01T09:30:10\.000000Z\)/);

    const json = await dsr(['status', 'REQ-STATUS-1', '--format', 'json']);
    expect(json.code).toBe(0);
    const status = JSON.parse(json.stdout) as {
      state: string;
      history: { state: string; traceId: string; detail: Record<string, unknown> | null }[];
    };
    expect(status.state).toBe('loaded');
    expect(status.history.map((e) => e.state)).toEqual([
      'received',
      'discovering',
      'discovered',
      'gated',
      'loading',
      'loaded',
    ]);
    expect(status.history.at(-1)?.detail).toEqual({
      rows: 3,
      evidenceHash: findingsDocument('X').evidenceHash,
    });
  }, 60_000);

  it('exits 1 when the ledger has no such request, or no ledger exists', async () => {
    const run = await dsr(['status', 'REQ-NEVER-SEEN']);
    expect(run).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no request REQ-NEVER-SEEN in the ledger/),
    });
    await sf.sql(`CREATE SCHEMA ${AT.database}.EMPTY`);
    const noLedger = await dsr(['status', 'REQ-STATUS-1'], { SNOWFLAKE_LOAD_SCHEMA: 'EMPTY' });
    expect(noLedger).toMatchObject({ code: 1, stderr: expect.stringMatching(/DSR_LEDGER does not exist/) });
    const badFormat = await dsr(['status', 'REQ-STATUS-1', '--format', 'xml']);
    expect(badFormat).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--format.*'xml' is invalid. Allowed choices are table, json/),
    });
  }, 60_000);
});

describe('Command: dsr report', () => {
  it('rebuilds the canonical findings from Snowflake, checks the evidence hash and writes the JSON and the access report', async () => {
    const document = findingsDocument('REQ-REPORT-1');
    await seedRequest('REQ-REPORT-1', { document });
    const out = join(dir, 'report-out');
    const run = await dsr(['report', 'REQ-REPORT-1', '--datamap', mapFile, '--out-dir', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`evidence sha256 ${document.evidenceHash} (matches the evidence loaded)`);

    // Byte for byte what discovery produced, though read back from Snowflake.
    const json = await readFile(join(out, 'REQ-REPORT-1.json'), 'utf8');
    expect(json).toBe(`${serializeFindingsDocument(document)}\n`);
    expect(parseExactJson(json)).toBeDefined();

    for (const file of ['REQ-REPORT-1.json', 'REQ-REPORT-1.md'])
      expect((await stat(join(out, file))).mode & 0o777).toBe(0o600); // personal data: owner only
    const report = await readFile(join(out, 'REQ-REPORT-1.md'), 'utf8');
    expect(report).toContain('# Access report — request REQ-REPORT-1');
    expect(report).toContain('| Jurisdiction | GDPR |');
    expect(report).toContain('| Received | 2025-03-01T09:30:00Z |');
    expect(report).toContain('| Respond by | 2025-04-01T09:30:00.000Z |');
    expect(report).toContain('| Records found | 3 in 2 tables |');
    expect(report).toContain(`\`${document.evidenceHash}\``);
    expect(report).toContain('running your account');
    expect(report).toContain('Zoë Quinn');
  }, 60_000);

  it("writes the subject's package and its zip from the evidence read back", async () => {
    const document = findingsDocument('REQ-REPORT-6');
    await seedRequest('REQ-REPORT-6', { document });
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const out = join(dir, 'package');
    const zipFile = join(dir, 'package.zip');
    const run = await dsr(['report', 'REQ-REPORT-6', '--datamap', mapFile, '--out', out, '--zip', zipFile]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`package (en): ${out}/`);
    const zip = await readFile(zipFile);
    expect(sha(await readFile(join(out, 'evidence.json')))).toBe(document.evidenceHash);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(
      expect.arrayContaining(['evidence.json', 'index.html']),
    );
    for (const f of manifest.files) expect(sha(await readFile(join(out, f.path)))).toBe(f.sha256);
    expect((await stat(join(out, 'index.html'))).mode & 0o777).toBe(0o600);
    // Every file of the package is in the zip, by name.
    for (const f of [...manifest.files.map((m: { path: string }) => m.path), 'manifest.json'])
      expect(zip.includes(Buffer.from(f))).toBe(true);
  }, 60_000);

  it("takes the request's type, jurisdiction and dates from the received entry the extract stage writes", async () => {
    // The extract stage over the real ledger (local Snowflake) and queues (local SQS).
    const requestId = 'REQ-REPORT-5';
    const logs: string[] = [];
    const work = extractStage({
      stage: 'extract-high',
      priority: 'high',
      ledger: new SnowflakeLedger(async () => db, AT),
      queue: new SqsMessageQueue(aws.sqs),
      payloads: new S3PayloadStore(aws.s3, { bucket: aws.bucket }),
      logger: createLogger({ sink: (line) => logs.push(line) }),
      nextQueueUrl: aws.queues.gate.url,
      highQueueUrl: aws.queues.high.url,
      identityKinds: ['email', 'phone'],
      hashSubject: () => 'b'.repeat(64),
      discover: async (request) => findingsSourceOf(findingsDocument(request.requestId)),
    });
    const body = JSON.stringify({
      version: 1,
      requestId,
      type: 'access',
      subject: { email: EMAIL },
      jurisdiction: 'CCPA',
      receivedAt: '2025-05-02T08:00:00+02:00',
    });
    await work(body, {
      record: { messageId: 'm-1', body } as SqsRecord,
      attempt: 1,
      traceId: 'trace-extract',
      scrub: new Set(),
    });
    expect(await receiveAll(aws.queues.gate.url, 1)).toHaveLength(1);
    // Gate and load, as their stages would record them.
    const document = findingsDocument(requestId);
    await loadFindings(db, AT, document, { discoveredAt: new Date() });
    for (const [i, state] of ['gated', 'loading', 'loaded'].entries())
      await appendLedgerEntry(db, AT, {
        requestId,
        state,
        stage: 'load',
        at: new Date(Date.now() + 1000 * (i + 1)),
        traceId: 'trace-extract',
        detail: state === 'loaded' ? { rows: 3, evidenceHash: document.evidenceHash } : null,
      });

    const out = join(dir, 'extract-out');
    const run = await dsr(['report', requestId, '--datamap', mapFile, '--out-dir', out]);
    expect(run.code).toBe(0);
    const report = await readFile(join(out, `${requestId}.md`), 'utf8');
    expect(report).toContain('| Request type | access |');
    expect(report).toContain('| Jurisdiction | CCPA |');
    expect(report).toContain('| Received | 2025-05-02T08:00:00+02:00 |');
    // CCPA: 45 days from receipt, in UTC.
    expect(report).toContain('| Respond by | 2025-06-16T06:00:00.000Z |');
    expect(logs.join('\n')).not.toContain(EMAIL);
  }, 60_000);

  it('fails with exit 1 and writes nothing when the evidence read back does not match the hash loaded', async () => {
    const document = findingsDocument('REQ-REPORT-2');
    // Rows landed under a hash that is not theirs: the evidence set was altered between the two.
    await seedRequest('REQ-REPORT-2', { document: { ...document, evidenceHash: 'c'.repeat(64) } });
    const out = join(dir, 'tampered-out');
    const run = await dsr(['report', 'REQ-REPORT-2', '--datamap', mapFile, '--out-dir', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `the evidence read back hashes to ${document.evidenceHash}, but ${'c'.repeat(64)} was loaded`,
    );
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 60_000);

  it("refuses the subject's package, writing nothing, when the evidence read back does not match the hash loaded", async () => {
    const document = findingsDocument('REQ-REPORT-7');
    await seedRequest('REQ-REPORT-7', { document: { ...document, evidenceHash: 'c'.repeat(64) } });
    const out = join(dir, 'tampered-package');
    const zipFile = join(dir, 'tampered-package.zip');
    const run = await dsr(['report', 'REQ-REPORT-7', '--datamap', mapFile, '--out', out, '--zip', zipFile]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `the evidence read back hashes to ${document.evidenceHash}, but ${'c'.repeat(64)} was loaded`,
    );
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readFile(zipFile)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 60_000);

  it('fails with exit 1 when the data map does not declare a table the rows were loaded from', async () => {
    await seedRequest('REQ-REPORT-3', { document: findingsDocument('REQ-REPORT-3') });
    const narrow = join(dir, 'narrow.yaml');
    await writeFile(narrow, MAP.slice(0, MAP.indexOf('  - table: public.notes')));
    const run = await dsr([
      'report',
      'REQ-REPORT-3',
      '--datamap',
      narrow,
      '--out-dir',
      join(dir, 'narrow-out'),
    ]);
    expect(run).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/tables the data map does not declare \(postgres public\.notes\)/),
    });
  }, 60_000);

  it('exits 1 for a request the ledger does not hold, or one that is not loaded', async () => {
    const unknown = await dsr(['report', 'REQ-NOPE', '--datamap', mapFile, '--out-dir', join(dir, 'x')]);
    expect(unknown).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no request REQ-NOPE in the ledger/),
    });

    await seedRequest('REQ-REPORT-4', { states: ['received', 'discovering', 'discovered', 'quarantined'] });
    const quarantined = await dsr([
      'report',
      'REQ-REPORT-4',
      '--datamap',
      mapFile,
      '--out-dir',
      join(dir, 'x'),
    ]);
    expect(quarantined).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/REQ-REPORT-4 is not loaded \(current state: quarantined\)/),
    });
    const noMap = await dsr(['report', 'REQ-REPORT-1']);
    expect(noMap).toMatchObject({ code: 2, stderr: expect.stringMatching(/--datamap/) });
  }, 60_000);
});

describe('Commands: dsr submit, redrive and report with --format json', () => {
  it('print their result as one JSON document on stdout', async () => {
    // Prepare
    const queue = aws.queues.standard.url;
    const document = findingsDocument('REQ-JSON-REPORT');
    await seedRequest('REQ-JSON-REPORT', { document });
    const out = join(dir, 'report-json');

    // Act
    const submitted = await dsr([
      'submit',
      '--queue-url',
      queue,
      '--request-id',
      'REQ-JSON-SUBMIT',
      '--subject',
      `email=${EMAIL}`,
      '--jurisdiction',
      'GDPR',
      '--received-at',
      '2025-03-01T09:30:00Z',
      '--format',
      'json',
    ]);
    const [message] = await receiveAll(queue, 2);
    const redriven = await dsr([
      'redrive',
      '--dead-letter-arn',
      aws.queues.load.deadLetterArn,
      '--format',
      'json',
    ]);
    const reported = await dsr([
      'report',
      'REQ-JSON-REPORT',
      '--datamap',
      mapFile,
      '--out-dir',
      out,
      '--format',
      'json',
    ]);

    // Assess
    expect(submitted.code).toBe(0);
    expect(JSON.parse(submitted.stdout)).toEqual({
      messageId: message?.MessageId,
      queueUrl: queue,
      requestId: 'REQ-JSON-SUBMIT',
      type: 'access',
      jurisdiction: 'GDPR',
      deadline: '2025-04-01T09:30:00.000Z',
    });
    expect(submitted.stdout).not.toContain(EMAIL);
    expect(redriven.code).toBe(0);
    expect(JSON.parse(redriven.stdout)).toEqual({
      queues: [{ deadLetterArn: aws.queues.load.deadLetterArn, status: 'empty' }],
      failed: 0,
    });
    expect(reported.code).toBe(0);
    expect(JSON.parse(reported.stdout)).toEqual({
      requestId: 'REQ-JSON-REPORT',
      kind: 'access',
      rows: 3,
      evidenceHash: document.evidenceHash,
      evidenceVerified: true,
      ledger: { verified: true, breaks: 0 },
      files: [join(out, 'REQ-JSON-REPORT.json'), join(out, 'REQ-JSON-REPORT.md')],
    });
  }, 60_000);
});
