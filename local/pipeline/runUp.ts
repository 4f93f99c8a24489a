import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { openSnowflakeFromEnv } from '../../adapters/aws/openSnowflakeFromEnv';
import { loadDataMap } from '../../shared/datamap/loadDataMap';
import { makePrivateDirectory, writePrivateFile } from '../../shared/files/writePrivateFile';
import { FINAL_STATES, lifecycleOf, type RequestState } from '../../shared/ledger/RequestState';
import { ensureEvidenceTables } from '../../shared/load/ensureEvidenceTables';
import { readLedger } from '../../shared/load/readLedger';
import { packageFile } from '../../shared/package/packageFile';
import { packageLocation } from '../../shared/pipeline/buildCompletionEvent';
import { configureSnowflakeDriver } from '../../shared/snowflake/configureSnowflakeDriver';
import { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import { loadLocationFromEnv } from '../../shared/snowflake/snowflakeEnv';
import type { LoadLocation } from '../../shared/snowflake/statements';
import { formatEnvFile, LOCAL_LOGIN, localSnowflakeEnv } from '../snowflake/localSnowflakeEnv';
import { type LocalSnowflake, startLocalSnowflake } from '../snowflake/startLocalSnowflake';
import { FileCompletionPublisher } from './FileCompletionPublisher';
import { MessageJournal } from './MessageJournal';
import { type LocalPipeline, startLocalPipeline } from './startLocalPipeline';
import type { UpEvent, UpRequestEvent } from './UpEvent';
import { userSnowflakeEnv } from './userSnowflakeEnv';

export interface RunUpOptions {
  readonly dataMapFile: string;
  /** The state directory. @default `.dsr` */
  readonly stateDir?: string;
  /** The environment: `PG_DSN` (required), `SNOWFLAKE_*` (the user's own account, when set). */
  readonly env: NodeJS.ProcessEnv;
  /** Resolves when the runtime should stop (a signal). */
  readonly stopped: Promise<unknown>;
  /** Receives what the runtime tells its user (start-up, each request's progress): the caller prints it. */
  readonly emit: (event: UpEvent) => void;
  /** Runs the hourly deadline check this often, ms. @default one hour */
  readonly deadlineCheckEveryMs?: number;
}

/** What a stopped run reports. */
export interface UpSummary {
  /** Requests not finished when it stopped: they are submitted again on the next start. */
  readonly unfinished: number;
}

const PROJECT_ROOT = packageFile('.');

/** The warehouse, database and schema of the local endpoint `dsr up` runs. */
const LOCAL_SESSION = { warehouse: 'LOCAL_WH', database: 'DSR', schema: 'EVIDENCE' } as const;

const keysSchema = z.strictObject({
  subjectHashKey: z.string().min(32),
  erasureMaskKey: z.string().min(32),
});
const portsSchema = z.strictObject({
  sqs: z.number().int().min(0).max(65_535),
  s3: z.number().int().min(0).max(65_535),
  snowflake: z.number().int().min(0).max(65_535),
});
type Ports = z.output<typeof portsSchema>;

/**
 * `dsr up`: the local pipeline (the handlers Lambda runs, SQS and S3 on loopback, the local
 * Snowflake endpoint unless the user's `SNOWFLAKE_*` is set) on the user's PostgreSQL, in the
 * foreground until `stopped` resolves. Everything it keeps is in the state directory: the
 * warehouse's DuckDB file (ledger and evidence), the bucket, the anchors, the keys, the ports it
 * listened on (taken again on the next start, so `.dsr/env` stays true), and the intake journal
 * from which unfinished requests are submitted again on start.
 */
export async function runUp(options: RunUpOptions): Promise<UpSummary> {
  const { env, emit } = options;
  const pgDsn = env.PG_DSN;
  if (!pgDsn) throw new UpConfigError('PG_DSN is not set: the connection string of your PostgreSQL');
  const dataMapFile = resolve(options.dataMapFile);
  // Reads and checks the map now, so a mistake is one clear line rather than a dead letter.
  await loadDataMap(dataMapFile);
  const dir = resolve(options.stateDir ?? '.dsr');
  await makePrivateDirectory(dir);
  const keys = await readOrCreate(join(dir, 'keys.json'), keysSchema, () => ({
    subjectHashKey: randomBytes(32).toString('hex'),
    erasureMaskKey: randomBytes(32).toString('hex'),
  }));
  const remembered = await readOrCreate(join(dir, 'ports.json'), portsSchema, () => ({
    sqs: 0,
    s3: 0,
    snowflake: 0,
  }));
  const journal = await MessageJournal.open(join(dir, 'messages'));
  const log = createWriteStream(join(dir, 'pipeline.log'), { flags: 'a', mode: 0o600 });
  const sink = (line: string) => {
    log.write(`${line}\n`);
  };
  const cleanups: (() => Promise<unknown>)[] = [() => new Promise((done) => log.end(() => done(undefined)))];
  const cleanup = async () => {
    for (const c of cleanups.splice(0)) await c().catch(() => undefined);
  };

  try {
    configureSnowflakeDriver({ logLevel: 'OFF' });
    // The user's own Snowflake, unless the SNOWFLAKE_* in the environment is this runtime's own
    // endpoint (a shell that sourced .dsr/env).
    const previousEnv = await readFile(join(dir, 'env'), 'utf8').catch(() => '');
    const users =
      env.SNOWFLAKE_ACCOUNT !== undefined &&
      env.SNOWFLAKE_ACCOUNT !== '' &&
      !(
        env.SNOWFLAKE_ACCESS_URL && previousEnv.includes(`SNOWFLAKE_ACCESS_URL='${env.SNOWFLAKE_ACCESS_URL}'`)
      );
    let sf: LocalSnowflake | undefined;
    let reader: SnowflakeDatabase;
    let evidence: LoadLocation;
    if (users) {
      const location = loadLocationFromEnv(env as Parameters<typeof loadLocationFromEnv>[0]);
      if (!location)
        throw new UpConfigError(
          'SNOWFLAKE_ACCOUNT is set but not where the evidence lands: set SNOWFLAKE_DATABASE and SNOWFLAKE_SCHEMA (or SNOWFLAKE_LOAD_DATABASE and SNOWFLAKE_LOAD_SCHEMA)',
        );
      evidence = location;
      reader = openSnowflakeFromEnv(env).db;
    } else {
      const local = await withPort(remembered.snowflake, (port) =>
        startLocalSnowflake({
          port,
          dbPath: join(dir, 'warehouse.duckdb'),
          warehouses: [LOCAL_SESSION.warehouse],
          schemas: [LOCAL_SESSION],
        }),
      );
      sf = local;
      cleanups.unshift(() => local.stop());
      evidence = { database: LOCAL_SESSION.database, schema: LOCAL_SESSION.schema };
      reader = new SnowflakeDatabase({
        account: local.account,
        user: LOCAL_LOGIN.user,
        password: LOCAL_LOGIN.password,
        accessUrl: local.url,
        warehouse: LOCAL_SESSION.warehouse,
        database: LOCAL_SESSION.database,
        schema: LOCAL_SESSION.schema,
      });
    }
    cleanups.unshift(() => reader.close());
    // `dsr status` answers "no such request" rather than "no ledger" from the first minute.
    await ensureEvidenceTables(reader, evidence);

    // The handlers' environments come from synthesising the stack, which finds the project's lock
    // file from the working directory: synthesise from the project, whatever directory the user is in.
    const cwd = process.cwd();
    process.chdir(PROJECT_ROOT);
    const pipeline: LocalPipeline = await withPort(remembered.sqs, (sqsPort) =>
      withPort(remembered.s3, (s3Port) =>
        startLocalPipeline({
          dataMapFile,
          pgDsn,
          snowflake: sf ?? { account: env.SNOWFLAKE_ACCOUNT ?? '', url: env.SNOWFLAKE_ACCESS_URL ?? '' },
          evidence,
          subjectHashKey: keys.subjectHashKey,
          erasureMaskKey: keys.erasureMaskKey,
          logSink: sink,
          metricSink: sink,
          anchorDir: join(dir, 'anchors'),
          aws: { dataDir: join(dir, 'bucket'), sqsPort, s3Port },
          onReceive: (queue, body) => journal.record(queue, body),
          completions: new FileCompletionPublisher(join(dir, 'completions.ndjson')),
          ...(users ? { env: userSnowflakeEnv(env) } : {}),
        }),
      ),
    ).finally(() => process.chdir(cwd));
    cleanups.unshift(() => pipeline.stop());
    await makePrivateDirectory(join(dir, 'anchors'));

    const ports: Ports = {
      sqs: Number(new URL(pipeline.aws.sqsEndpoint).port),
      s3: Number(new URL(pipeline.aws.s3Endpoint).port),
      snowflake: sf?.port ?? 0,
    };
    await writePrivateFile(join(dir, 'ports.json'), `${JSON.stringify(ports)}\n`);
    const exported: Record<string, string> = {
      AWS_REGION: pipeline.aws.region,
      AWS_ACCESS_KEY_ID: pipeline.aws.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: pipeline.aws.credentials.secretAccessKey,
      DSR_SQS_ENDPOINT: pipeline.aws.sqsEndpoint,
      DSR_QUEUE_URL: pipeline.aws.queues.high.url,
      DSR_STANDARD_QUEUE_URL: pipeline.aws.queues.standard.url,
      DSR_ANCHOR_DIR: join(dir, 'anchors'),
      // `dsr cancel` appends its completion event where the pipeline's go.
      DSR_COMPLETIONS_FILE: join(dir, 'completions.ndjson'),
      ...(sf ? localSnowflakeEnv(sf, LOCAL_SESSION) : {}),
    };
    const envFile = join(dir, 'env');
    await writePrivateFile(envFile, formatEnvFile(exported));
    const moved = (Object.keys(ports) as (keyof Ports)[]).filter(
      (k) => remembered[k] !== 0 && remembered[k] !== ports[k],
    );

    // Requests the ledger does not show finished have their messages sent again (each stage decides
    // from the ledger what is left; a duplicate changes nothing).
    const states = new Map<string, string>();
    let resumed = 0;
    // A request that finished after the last progress line and before the stop is told now.
    const finishedWhileStopping: UpRequestEvent[] = [];
    for (const requestId of await journal.requestIds()) {
      const state = await lastState(reader, evidence, requestId);
      if (state !== undefined && isFinished(state)) {
        await journal.remove(requestId);
        finishedWhileStopping.push({ ...requestEvent(requestId, state), beforeLastStop: true });
        continue;
      }
      for (const entry of await journal.entries(requestId)) await pipeline.submit(entry.body, entry.queue);
      states.set(requestId, state ?? 'submitted');
      resumed++;
    }

    const completionsFile = join(dir, 'completions.ndjson');
    emit({
      event: 'started',
      stateDir: dir,
      envFile,
      dataMapFile: options.dataMapFile,
      warehouse: sf
        ? {
            kind: 'local',
            warehouse: LOCAL_SESSION.warehouse,
            database: LOCAL_SESSION.database,
            schema: LOCAL_SESSION.schema,
            url: sf.url,
            file: join(dir, 'warehouse.duckdb'),
          }
        : {
            kind: 'account',
            warehouse: env.SNOWFLAKE_WAREHOUSE || null,
            database: evidence.database,
            schema: evidence.schema,
            url: null,
            file: null,
          },
      queues: { high: pipeline.aws.queues.high.url, standard: pipeline.aws.queues.standard.url },
      endpoints: { sqs: pipeline.aws.sqsEndpoint, s3: pipeline.aws.s3Endpoint },
      ports,
      portsMoved: moved,
      bucket: pipeline.aws.bucket,
      completionsFile,
    });
    for (const event of finishedWhileStopping) emit(event);
    emit({ event: 'ready', resumed, envFile, dataMapFile: options.dataMapFile, completionsFile });

    let stopping = false;
    const stopped = options.stopped.then(() => {
      stopping = true;
    });
    const every = options.deadlineCheckEveryMs ?? 3_600_000;
    // The first check runs at start: it pages for what came due while the runtime was down and
    // announces terminal requests whose completion event was never published (a cancellation
    // recorded without a completions file, a publish that failed before the last stop).
    let nextCheck = Date.now();
    while (!stopping) {
      let received = 0;
      for (const poller of Object.values(pipeline.pollers)) {
        if (stopping) break;
        const result = await poller.pollOnce(0);
        received += result.received + result.deadLettered;
      }
      if (received > 0 || states.size > 0) await reportProgress();
      if (Date.now() >= nextCheck) {
        nextCheck = Date.now() + every;
        const check = await pipeline.deadlineCheck().catch(() => undefined);
        for (const requestId of check?.announced ?? [])
          emit({ event: 'completion_published_late', requestId });
      }
      if (received === 0) await Promise.race([sleep(250), stopped]);
    }

    async function reportProgress(): Promise<void> {
      for (const requestId of await journal.requestIds()) {
        const state = await lastState(reader, evidence, requestId).catch(() => undefined);
        if (state === undefined || states.get(requestId) === state) continue;
        states.set(requestId, state);
        if (!isFinished(state)) {
          emit(requestEvent(requestId, state));
          continue;
        }
        await journal.remove(requestId);
        states.delete(requestId);
        emit(requestEvent(requestId, state));
      }
    }

    /**
     * A request's state, with where its answer is: the package the pipeline wrote, and the command
     * that writes the report for a loaded or erased request.
     */
    function requestEvent(requestId: string, state: string): UpRequestEvent {
      return {
        event: 'request',
        requestId,
        state,
        final: isFinished(state),
        ...(PACKAGED.has(state) ? { package: packageLocation(pipeline.aws.bucket, requestId) } : {}),
        ...(state === 'loaded' || state === 'erased'
          ? { report: `npx dsr report ${requestId} --datamap ${options.dataMapFile}` }
          : {}),
      };
    }

    // Intake messages sent but not yet delivered are journaled before the queues go away. Each
    // queue is drained with a long poll: a short poll (WaitTimeSeconds 0) may answer empty while
    // messages wait, as SQS's sampling does and as the local server did on a loaded machine, and a
    // request submitted just before the stop was lost with the queue.
    for (const queue of ['high', 'standard'] as const)
      for (;;) {
        const { Messages: messages = [] } = await pipeline.aws.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: pipeline.aws.queues[queue].url,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        if (messages.length === 0) break;
        for (const m of messages) if (m.Body !== undefined) await journal.record(queue, m.Body);
      }

    return { unfinished: (await journal.requestIds()).length };
  } finally {
    await cleanup();
  }
}

/** States after which the pipeline has written the request's package to the payload bucket. */
const PACKAGED: ReadonlySet<string> = new Set(['loaded', 'erased', 'erasure_unverified']);

/** Finished for the runtime: a final state, or dead-lettered (which an operator redrives). */
function isFinished(state: string): boolean {
  return FINAL_STATES.has(state as RequestState) || state === 'dead_lettered';
}

async function lastState(
  db: SnowflakeDatabase,
  at: LoadLocation,
  requestId: string,
): Promise<string | undefined> {
  return lifecycleOf(await readLedger(db, at, requestId)).at(-1)?.state;
}

/** A value kept in an owner-only JSON file of the state directory, made on first use. */
async function readOrCreate<T>(file: string, schema: z.ZodType<T>, make: () => T): Promise<T> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text !== undefined) {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    throw new UpConfigError(`${file} is not what dsr up wrote there: remove it or the directory`);
  }
  const value = make();
  await writePrivateFile(file, `${JSON.stringify(value)}\n`);
  return value;
}

/** Starts on the port a previous run used, or on a free one when it is taken. */
async function withPort<T>(port: number, start: (port: number) => Promise<T>): Promise<T> {
  if (port === 0) return start(0);
  try {
    return await start(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return start(0);
  }
}

/** A setting `dsr up` cannot start without; the CLI reports it as a usage error. */
export class UpConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpConfigError';
  }
}
