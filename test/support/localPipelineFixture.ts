import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListMessageMoveTasksCommand } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { LocalEventSourcePoller } from '../../local/aws/LocalEventSourcePoller';
import type { PipelineQueueName } from '../../local/aws/startLocalAws';
import { seedWarehouse } from '../../local/demo/warehouse';
import {
  type LocalPipeline,
  type LocalPipelineOptions,
  startLocalPipeline,
} from '../../local/pipeline/startLocalPipeline';
import type { LocalSnowflake } from '../../local/snowflake/startLocalSnowflake';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { discoverSubject } from '../../shared/discovery/discoverSubject';
import type { FindingsDocument } from '../../shared/discovery/FindingsDocument';
import { erasureGrants } from '../../shared/erasure/erasureGrants';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import { SnowflakeTableSearcher } from '../../shared/snowflake/SnowflakeTableSearcher';
import { createFindingsTableSql, createLedgerTableSql } from '../../shared/snowflake/statements';
import { openTestSnowflakeDatabase } from '../integration/snowflake/helpers';
import { openDatabase } from './discovery';
import { createTestDatabase, type TestDatabase } from './postgres';
import { sampleShopTemplate } from './sampleShopTemplate';
import { startTestSnowflake } from './snowflake';

/** Where the evidence lands in the local warehouse. */
export const EVIDENCE = { database: 'DSR', schema: 'EVIDENCE' } as const;
/** The application name the local runtime's pools connect with. */
export const PIPELINE_APPLICATION_NAME = 'dsr-bridge-local';
const MAP_FILE = fileURLToPath(new URL('../../local/demo/datamap.yaml', import.meta.url));
const HASH_KEY = 'dsr-bridge-fault-scenarios-key-0123456789';

/** How a request ends when nothing goes wrong. */
export type TerminalState = 'loaded' | 'dead_lettered' | 'quarantined';

/** A person the sample data knows, with the identifiers a request names them by. */
export interface KnownSubject {
  /** Stable label (`ana`, `user-17`, …); never personal data. */
  readonly label: string;
  readonly identifiers: Readonly<Record<string, readonly string[]>>;
  /** The terminal state a fault-free run reaches. */
  readonly expect: TerminalState;
  /** Seeded values that must never appear in a log line, metric line or dead letter. */
  readonly pii: readonly string[];
}

/** A request the fixture submitted. */
export interface SubmittedRequest {
  readonly requestId: string;
  readonly body: string;
  readonly priority: 'high' | 'standard';
  /** Undefined for a body that is not a well-formed request. */
  readonly subject: KnownSubject | undefined;
  /** The terminal state a fault-free run reaches. */
  readonly expect: TerminalState;
}

export interface LocalPipelineFixture {
  readonly pipeline: LocalPipeline;
  readonly snowflake: LocalSnowflake;
  /** The file's database (superuser DSN, for fault injection). */
  readonly database: TestDatabase;
  /** The login role the pipeline connects as (not a superuser, so limits and rotation apply to it). */
  readonly appRole: { readonly name: string; readonly password: string };
  /**
   * Rotates the role's password as a secret rotation does: the new connection string is written
   * where the pipeline reads its credentials (`PG_DSN_FILE`), then the role's password is changed.
   */
  rotatePassword(password: string): Promise<void>;
  readonly dataMap: DataMap;
  /** The data map's file, as the handlers read it (for `dsr report --datamap`). */
  readonly dataMapFile: string;
  readonly hashKey: string;
  /** Every log and metric line the handlers wrote. */
  readonly lines: string[];
  /** Every request submitted so far, in order. */
  readonly submitted: SubmittedRequest[];
  readonly subjects: readonly KnownSubject[];
  /** Subjects that load with findings in both systems or in PostgreSQL only (no quarantine). */
  readonly loadable: readonly KnownSubject[];
  /** Builds (does not send) a request for a subject, with a fresh id. */
  request(
    subject: KnownSubject,
    options?: { priority?: 'high' | 'standard'; tag?: string },
  ): SubmittedRequest;
  /** A request whose body is not a valid intake message (it names an unknown identity kind). */
  malformedRequest(tag?: string): SubmittedRequest;
  /** Sends requests and records them as submitted. */
  submit(requests: readonly SubmittedRequest[]): Promise<void>;
  /** Builds and sends `count` requests, cycling through `subjects` (all known subjects by default). */
  submitMany(count: number, subjects?: readonly KnownSubject[], tag?: string): Promise<SubmittedRequest[]>;
  /** Polls every queue until all are empty. */
  drain(timeoutMs?: number): Promise<void>;
  /**
   * Polls only the given queues until they are empty (visible and in flight), e.g. the extract and
   * gate queues, leaving what they handed to the load waiting in its queue.
   */
  settle(queues: readonly PipelineQueueName[], timeoutMs?: number): Promise<void>;
  /**
   * Runs the redrive function once and waits until the message moves it started have finished (the
   * local SQS moves a task's messages on a one-second tick), so one drain afterwards sees them all.
   */
  redrive(timeoutMs?: number): Promise<void>;
  /** What a fault-free discovery finds for a subject (computed once per subject). */
  expectedDocument(subject: KnownSubject): Promise<FindingsDocument>;
  /** Runs SQL as the superuser on the file's database. */
  sql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  stop(): Promise<void>;
}

export interface LocalPipelineFixtureOptions {
  /** Sample data scale (1 = 1,000 users). @default 0.05 */
  readonly scale?: number;
  /** Generated users to offer as subjects (ids 1…n). @default 20 */
  readonly generatedSubjects?: number;
  /** @default 5 */
  readonly maxReceiveCount?: number;
  /** The PostgreSQL server to create the database on (a superuser DSN). @default the suite's server */
  readonly adminDsn?: string;
  /** Settings added to every handler's environment (e.g. a small findings part size). */
  readonly env?: NodeJS.ProcessEnv;
  /** Each function's timeout as the pollers play it (the remaining time its handler sees). */
  readonly functionTimeoutsMs?: LocalPipelineOptions['functionTimeoutsMs'];
  /** Rewrites the demo's data map (its YAML text) for this fixture. @default the demo's map as is */
  readonly dataMapYaml?: (yaml: string) => string;
}

const PERSONAS: readonly KnownSubject[] = [
  {
    label: 'ana',
    identifiers: { email: ['Ana.Lopez@Example.com'] },
    expect: 'loaded',
    pii: [
      'Ana.Lopez@Example.com',
      'ana.lopez@example.com',
      'Ána Łópez',
      '+44 20 7946 0011',
      '442079460011',
      '12 Rue de l',
      'Please call me',
      'Firefox 133',
    ],
  },
  {
    label: 'bob',
    identifiers: { phone: ['020 7946 0022'] },
    expect: 'loaded',
    pii: ['020 7946 0022', '02079460022', 'bob.marsh@example.net', 'Bob Marsh', '7 Mill Lane'],
  },
  {
    label: 'chloe',
    identifiers: { email: ['chloe.dubois@example.org'] },
    expect: 'loaded',
    pii: ['chloe.dubois@example.org', 'Chloé Dubois'],
  },
  {
    label: 'dana',
    identifiers: { email: ['dana.kowalski@example.com'] },
    expect: 'quarantined',
    pii: ['dana.kowalski@example.com'],
  },
  { label: 'nobody', identifiers: { email: ['nobody@example.com'] }, expect: 'loaded', pii: [] },
];

/**
 * The whole pipeline on one machine for one test file: the file's own PostgreSQL database with the
 * sample shop (small scale) and the demo's newsletter table, the local Snowflake with the mirrors
 * (the newsletter mirror drifted, so its subject is quarantined) and the warehouse-only sessions,
 * and the real stage handlers over local SQS and S3, their log and metric lines captured.
 */
export async function startLocalPipelineFixture(
  options: LocalPipelineFixtureOptions = {},
): Promise<LocalPipelineFixture> {
  const adminDsn = options.adminDsn ?? inject('pgAdminDsn');
  const template = await sampleShopTemplate(adminDsn, options.scale ?? 0.05);
  const database = await createTestDatabase('faults', adminDsn, { template });
  const cleanups: (() => Promise<unknown>)[] = [() => database.drop()];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    // A login role of its own: connection limits and password changes do not spare superusers.
    const appRole = { name: `app_${database.name}`, password: randomBytes(12).toString('hex') };
    const dsnDir = await mkdtemp(join(tmpdir(), 'dsr-faults-'));
    cleanups.push(() => rm(dsnDir, { recursive: true, force: true }));
    let mapFile = MAP_FILE;
    if (options.dataMapYaml) {
      mapFile = join(dsnDir, 'datamap.yaml');
      await writeFile(mapFile, options.dataMapYaml(await readFile(MAP_FILE, 'utf8')), { mode: 0o600 });
    }
    const dataMap = parseDataMap(await readFile(mapFile, 'utf8'), mapFile);
    // The erasure role with exactly the grants `dsr datamap grants` prints for the data map.
    const erasureRole = { name: `erase_${database.name}`, password: randomBytes(12).toString('hex') };
    // Both roles in one round trip (a connection per statement costs seconds on a busy machine).
    cleanups.unshift(() => database.exec(`DROP ROLE IF EXISTS ${appRole.name}, ${erasureRole.name}`));
    await database.exec(
      [
        `CREATE ROLE ${appRole.name} LOGIN PASSWORD '${appRole.password}'`,
        `GRANT CONNECT ON DATABASE ${database.name} TO ${appRole.name}`,
        `GRANT USAGE ON SCHEMA public TO ${appRole.name}`,
        `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${appRole.name}`,
        ...erasureGrants(dataMap, { pgRole: erasureRole.name }).postgres.statements,
        `ALTER ROLE ${erasureRole.name} PASSWORD '${erasureRole.password}'`,
        `GRANT CONNECT ON DATABASE ${database.name} TO ${erasureRole.name}`,
      ]
        .map((statement) => statement.replace(/;\s*$/, ''))
        .join(';\n'),
    );
    const appDsn = new URL(database.dsn);
    appDsn.username = appRole.name;
    appDsn.password = appRole.password;
    const dsnFile = join(dsnDir, 'pg.dsn');
    await writeFile(dsnFile, appDsn.toString(), { mode: 0o600 });
    const rotatePassword = async (password: string) => {
      appDsn.password = password;
      await writeFile(dsnFile, appDsn.toString(), { mode: 0o600 });
      await database.exec(`ALTER ROLE ${appRole.name} PASSWORD '${password}'`);
    };

    const erasureDsn = new URL(database.dsn);
    erasureDsn.username = erasureRole.name;
    erasureDsn.password = erasureRole.password;
    const snowflake = await startTestSnowflake();
    cleanups.push(() => snowflake.stop());
    const seedDb = openDatabase(database.dsn);
    try {
      await seedWarehouse(snowflake, seedDb, dataMap, {
        drift: { 'ANALYTICS.PUBLIC.NEWSLETTER_SUBSCRIPTIONS': { SUBSCRIBED_AT: 'TIMESTAMP_NTZ' } },
        evidence: EVIDENCE,
      });
    } finally {
      await seedDb.end();
    }
    // The evidence tables exist from the start, so the invariant can read them before any load.
    await snowflake.sql(createFindingsTableSql(EVIDENCE));
    await snowflake.sql(createLedgerTableSql(EVIDENCE));

    const generated = await database.exec(
      'SELECT id::text AS id, email, full_name, phone FROM public.users WHERE id <= $1 ORDER BY id',
      [options.generatedSubjects ?? 20],
    );
    const users: KnownSubject[] = generated.rows.map((r) => ({
      label: `user-${r.id}`,
      identifiers: { email: [String(r.email)] },
      expect: 'loaded',
      pii: [String(r.email), String(r.full_name), String(r.phone)],
    }));
    const subjects = [...PERSONAS, ...users];

    const lines: string[] = [];
    const sink = (line: string) => {
      lines.push(line);
    };
    // The deadline check's anchors in a directory removed with the fixture.
    const anchorDir = await mkdtemp(join(tmpdir(), 'dsr-anchors-'));
    cleanups.push(() => rm(anchorDir, { recursive: true, force: true }));
    const pipeline = await startLocalPipeline({
      anchorDir,
      dataMapFile: mapFile,
      pgDsn: appDsn.toString(),
      erasurePgDsn: erasureDsn.toString(),
      snowflake,
      evidence: EVIDENCE,
      subjectHashKey: HASH_KEY,
      logSink: sink,
      metricSink: sink,
      env: { ...options.env, PG_DSN_FILE: dsnFile },
      ...(options.functionTimeoutsMs ? { functionTimeoutsMs: options.functionTimeoutsMs } : {}),
      ...(options.maxReceiveCount ? { maxReceiveCount: options.maxReceiveCount } : {}),
    });
    cleanups.push(() => pipeline.stop());

    const submitted: SubmittedRequest[] = [];
    let sequence = 0;
    const nextId = (tag: string) => `${tag}-${String(++sequence).padStart(5, '0')}`;
    const expected = new Map<string, Promise<FindingsDocument>>();
    // One pair of searchers (each reads its catalog once) for every subject's fault-free discovery.
    const faultFree = faultFreeDiscovery(database.dsn, snowflake, dataMap, mapFile);
    cleanups.push(() => faultFree.close());

    const fixture: LocalPipelineFixture = {
      pipeline,
      snowflake,
      database,
      appRole,
      rotatePassword,
      dataMap,
      dataMapFile: mapFile,
      hashKey: HASH_KEY,
      lines,
      submitted,
      subjects,
      loadable: subjects.filter((s) => s.expect === 'loaded'),
      request: (subject, { priority = 'high', tag = 'REQ' } = {}) => {
        const requestId = nextId(tag);
        return {
          requestId,
          priority,
          subject,
          expect: subject.expect,
          body: JSON.stringify({
            version: 1,
            requestId,
            type: 'access',
            subject: subject.identifiers,
            jurisdiction: 'GDPR',
            receivedAt: new Date().toISOString(),
          }),
        };
      },
      malformedRequest: (tag = 'BAD') => {
        const requestId = nextId(tag);
        return {
          requestId,
          priority: 'standard',
          subject: undefined,
          expect: 'dead_lettered',
          // An identity kind the data map lacks, carrying a seeded value that must not leak.
          body: JSON.stringify({
            version: 1,
            requestId,
            type: 'access',
            subject: { national_id: ['ana.lopez@example.com'] },
            jurisdiction: 'GDPR',
            receivedAt: new Date().toISOString(),
          }),
        };
      },
      submit: async (requests) => {
        for (const request of requests) {
          submitted.push(request);
          await pipeline.submit(request.body, request.priority);
        }
      },
      submitMany: async (count, pool = subjects, tag = 'REQ') => {
        const requests = Array.from({ length: count }, (_, i) =>
          fixture.request(pool[i % pool.length] as KnownSubject, {
            priority: i % 3 === 0 ? 'standard' : 'high',
            tag,
          }),
        );
        await fixture.submit(requests);
        return requests;
      },
      drain: (timeoutMs = 45_000) => pipeline.drain(timeoutMs),
      settle: (queues, timeoutMs = 45_000) =>
        LocalEventSourcePoller.drain(
          queues.map((q) => pipeline.pollers[q]),
          { timeoutMs },
        ),
      redrive: async (timeoutMs = 30_000) => {
        await pipeline.redrive();
        const deadline = Date.now() + timeoutMs;
        for (const queue of Object.values(pipeline.aws.queues)) {
          for (;;) {
            const { Results } = await pipeline.aws.sqs.send(
              new ListMessageMoveTasksCommand({ SourceArn: queue.deadLetterArn, MaxResults: 1 }),
            );
            if (!Results?.some((t) => t.Status === 'RUNNING')) break;
            if (Date.now() > deadline) throw new Error(`the redrive did not finish within ${timeoutMs} ms`);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      },
      expectedDocument: (subject) => {
        let document = expected.get(subject.label);
        if (!document) {
          document = faultFree.discover(subject);
          expected.set(subject.label, document);
        }
        return document;
      },
      sql: async (text, values) => ({ rows: (await database.exec(text, values)).rows }),
      stop: stopAll,
    };
    return fixture;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The subjects' findings as a fault-free run produces them: the same discovery code the extractor
 * runs (PostgreSQL and Snowflake searchers over the same data map and hash key), on connections of
 * its own, opened and the catalogs read on the first subject asked for, closed with the fixture. The
 * request id is a placeholder: neither the findings nor their evidence hash depend on it.
 */
function faultFreeDiscovery(
  dsn: string,
  snowflake: LocalSnowflake,
  dataMap: DataMap,
  mapFile: string,
): { discover(subject: KnownSubject): Promise<FindingsDocument>; close(): Promise<void> } {
  let opened:
    | {
        readonly pg: ReturnType<typeof openDatabase>;
        readonly sf: ReturnType<typeof openTestSnowflakeDatabase>;
        readonly searchers: Promise<{ postgres: PostgresTableSearcher; snowflake: SnowflakeTableSearcher }>;
      }
    | undefined;
  const searchers = () => {
    if (!opened) {
      const pg = openDatabase(dsn);
      const sf = openTestSnowflakeDatabase(snowflake);
      const both = Promise.all([
        PostgresTableSearcher.create(pg, dataMap, mapFile),
        SnowflakeTableSearcher.create(sf, dataMap, mapFile),
      ]).then(([postgres, warehouse]) => ({ postgres, snowflake: warehouse }));
      opened = { pg, sf, searchers: both };
    }
    return opened.searchers;
  };
  return {
    discover: async (subject) => {
      const { document } = await discoverSubject(
        { dataMap, searchers: await searchers(), subjectHashKey: HASH_KEY },
        { requestId: 'expected', identifiers: subject.identifiers },
      );
      return document;
    },
    close: async () => {
      const current = opened;
      opened = undefined;
      if (!current) return;
      await current.pg.end();
      await current.sf.close();
    },
  };
}
