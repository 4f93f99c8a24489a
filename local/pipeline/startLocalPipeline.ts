import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { StageRuntime } from '../../functions/common/StageRuntime';
import { createDeadlineCheckHandler } from '../../functions/deadline-check/deadlineCheckHandler';
import { createEraseHandler } from '../../functions/erase/eraseHandler';
import { createExtractHandler } from '../../functions/extract/extractHandler';
import type { FunctionName } from '../../functions/functionConfigs';
import { createGateHandler } from '../../functions/gate/gateHandler';
import { createLoadHandler } from '../../functions/load/loadHandler';
import { createRedriveHandler } from '../../functions/redrive/redriveHandler';
import type { DeadlineCheckOutcome } from '../../shared/audit/runDeadlineCheck';
import type { InvocationContext, SqsBatchHandler, SqsEvent } from '../../shared/pipeline/sqsEvent';
import type { LogSink } from '../../shared/telemetry/LogSink';
import { LocalEventSourcePoller } from '../aws/LocalEventSourcePoller';
import { pollersFor } from '../aws/pollersFor';
import {
  type LocalAws,
  PIPELINE_QUEUES,
  type PipelineQueueName,
  type StartLocalAwsOptions,
  startLocalAws,
} from '../aws/startLocalAws';
import type { LocalSnowflake } from '../snowflake/startLocalSnowflake';
import { FileCompletionPublisher } from './FileCompletionPublisher';
import { type LocalPagerDuty, startLocalPagerDuty } from './LocalPagerDuty';
import { localFunctionEnvironments } from './localFunctionEnvironments';

export interface LocalPipelineOptions {
  readonly dataMapFile: string;
  readonly pgDsn: string;
  /**
   * The erasure role's connection string. @default `pgDsn`: a local shortcut (one role reads and
   * writes); deployed, the erase function writes through its own role, which no other function holds.
   */
  readonly erasurePgDsn?: string;
  /** The key of keyed-hash masks (32+ characters). @default a fixed local key */
  readonly erasureMaskKey?: string;
  /** The Snowflake endpoint the handlers connect to (its password login `DSR`/`dsr`). */
  readonly snowflake: Pick<LocalSnowflake, 'account' | 'url'>;
  /** Where the evidence lands in Snowflake. */
  readonly evidence: { readonly database: string; readonly schema: string };
  readonly subjectHashKey: string;
  /** Every log line and metric line the handlers write. */
  readonly logSink: LogSink;
  readonly metricSink: LogSink;
  /** @default 5 */
  readonly maxReceiveCount?: number;
  /** Settings added to (or replacing) every handler's environment, e.g. `PG_STATEMENT_TIMEOUT_MS`. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Each function's timeout, ms: its handler is given a Lambda-like context whose remaining time
   * counts down from it. @default none (no limit)
   */
  readonly functionTimeoutsMs?: Partial<Readonly<Record<PipelineQueueName, number>>>;
  /**
   * Where the deadline check writes ledger anchors (s3rver has no Object Lock, so files stand in
   * for the bucket). @default a new temporary directory
   */
  readonly anchorDir?: string;
  /** Where S3 keeps its objects and which loopback ports to take. @default a temporary directory, free ports */
  readonly aws?: Pick<StartLocalAwsOptions, 'dataDir' | 'sqsPort' | 's3Port'>;
  /**
   * Called with each message a queue delivers, before its handler sees it, e.g. to journal it so a
   * restarted runtime can send unfinished requests' messages again.
   */
  readonly onReceive?: (queue: PipelineQueueName, body: string) => Promise<void>;
  /** Where the handlers publish completion events. @default kept in memory only (`completions.events`) */
  readonly completions?: FileCompletionPublisher;
}

export interface LocalPipeline {
  readonly aws: LocalAws;
  readonly pagerDuty: LocalPagerDuty;
  readonly pollers: Readonly<Record<PipelineQueueName, LocalEventSourcePoller>>;
  /** The completion events the handlers published (the deployed stack's SNS topic). */
  readonly completions: FileCompletionPublisher;
  /** Sends a message to one of the pipeline's queues (an intake message to high or standard). */
  submit(body: string, queue: PipelineQueueName): Promise<void>;
  /**
   * Replaces every handler with a freshly built one, as Lambda does when it starts new containers:
   * new connections, closed circuits, nothing remembered.
   */
  coldStart(): void;
  /** Runs the redrive function once (what the maintenance-window schedule does). */
  redrive(): Promise<unknown>;
  /** Runs the deadline check once (what the hourly schedule does), its clock reading `now`. */
  deadlineCheck(now?: Date): Promise<DeadlineCheckOutcome>;
  /** Where the deadline check writes ledger anchors. */
  readonly anchorDir: string;
  /** Polls every queue until all are empty. */
  drain(timeoutMs?: number): Promise<void>;
  /**
   * Polls every queue, round after round, until `done` holds or `timeoutMs` passes (default 120 s);
   * resolves to whether it held. For a request that keeps a delayed message cycling (an erasure
   * plan waiting for approval), whose queue `drain` would see empty between two deliveries.
   */
  pollUntil(done: () => Promise<boolean>, timeoutMs?: number): Promise<boolean>;
  stop(): Promise<void>;
}

/** The mask key of the local runtime when none is given: fixed, so masks are the same run after run. */
export const LOCAL_ERASURE_MASK_KEY = 'dsr-bridge-local-erasure-mask-key-0123456789';

/**
 * Settings the local runtime tunes for one machine, on top of the deployed ones: short backoff and
 * circuits so faults resolve within a test, a statement deadline the stall scenarios count on, an
 * application name the fault scenarios find their backends by, and the driver's log off.
 */
export const LOCAL_TUNING: Readonly<Record<string, string>> = {
  DSR_BACKOFF_BASE_SECONDS: '1',
  DSR_BACKOFF_CAP_SECONDS: '4',
  // A circuit opened by a fault closes again within the local retry budget.
  DSR_BREAKER_OPEN_MS: '3000',
  PG_APPLICATION_NAME: 'dsr-bridge-local',
  SNOWFLAKE_LOG_LEVEL: 'OFF',
  SNOWFLAKE_STATEMENT_TIMEOUT_MS: '20000',
};

/**
 * The pipeline on one machine: local SQS and S3 on loopback, the very handlers Lambda runs (built
 * by the same factories, with the environments the synthesised stack gives them), and pollers playing
 * Lambda's SQS event source mappings (batch size, visibility, partial batch failures, max receives).
 */
export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const aws = await startLocalAws({ ...options.aws, maxReceiveCount, visibilityTimeoutSeconds: 30 });
  const pagerDuty = await startLocalPagerDuty();
  const { queues } = aws;
  const sf = options.snowflake;
  // Each function's environment is the one the stack deploys, with endpoints and secrets replaced
  // by their loopback stand-ins: what runs here is configured as deployed.
  const deployed = localFunctionEnvironments({
    dataMapFile: options.dataMapFile,
    pgDsn: options.pgDsn,
    erasurePgDsn: options.erasurePgDsn ?? options.pgDsn,
    erasureMaskKey: options.erasureMaskKey ?? LOCAL_ERASURE_MASK_KEY,
    subjectHashKey: options.subjectHashKey,
    snowflake: {
      account: sf.account,
      url: sf.url,
      user: 'DSR',
      password: 'dsr',
      database: options.evidence.database,
      schema: options.evidence.schema,
    },
    aws,
    pagerDuty: { url: pagerDuty.url, routingKey: 'local-routing-key' },
    maxReceiveCount,
  });
  const environment = (name: FunctionName): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...deployed[name], ...LOCAL_TUNING, ...options.env };
    // A credentials file given by the caller replaces the connection string (one way at a time).
    if (options.env?.PG_DSN_FILE) delete env.PG_DSN;
    return env;
  };
  const completions = options.completions ?? new FileCompletionPublisher();
  const runtime: StageRuntime = {
    completions,
    sqs: aws.sqs,
    s3: aws.s3,
    logSink: options.logSink,
    metricSink: options.metricSink,
  };
  const buildHandlers = (): Record<PipelineQueueName, SqsBatchHandler> => ({
    high: createExtractHandler(environment('extractHigh'), runtime),
    standard: createExtractHandler(environment('extractStandard'), runtime),
    gate: createGateHandler(environment('gate'), runtime),
    load: createLoadHandler(environment('load'), runtime),
    erase: createEraseHandler(environment('erase'), runtime),
  });
  // The pollers call whichever handlers are current, so a cold start can swap them in.
  let current = buildHandlers();
  const { onReceive } = options;
  const handlers = Object.fromEntries(
    PIPELINE_QUEUES.map((name) => [
      name,
      async (event: SqsEvent, context?: InvocationContext) => {
        if (onReceive) for (const record of event.Records) await onReceive(name, record.body);
        return current[name](event, context);
      },
    ]),
  ) as Record<PipelineQueueName, SqsBatchHandler>;
  const redrive = createRedriveHandler(environment('redrive'), runtime);
  const anchorDir = options.anchorDir ?? mkdtempSync(join(tmpdir(), 'dsr-anchors-'));
  let clock: Date | undefined;
  const deadlineCheck = createDeadlineCheckHandler(
    { ...environment('deadlineCheck'), ANCHOR_BUCKET: '', DSR_ANCHOR_DIR: anchorDir },
    { ...runtime, now: () => clock ?? new Date() },
  );
  const pollers = pollersFor(aws, handlers, {
    batchSize: 10,
    ...(options.functionTimeoutsMs ? { functionTimeoutsMs: options.functionTimeoutsMs } : {}),
  });

  return {
    aws,
    pagerDuty,
    pollers,
    completions,
    submit: async (body, queue) => {
      await aws.sqs.send(new SendMessageCommand({ QueueUrl: queues[queue].url, MessageBody: body }));
    },
    redrive: () => redrive({ source: 'local' }),
    deadlineCheck: (now) => {
      clock = now;
      return deadlineCheck({ source: 'local' });
    },
    anchorDir,
    coldStart: () => {
      current = buildHandlers();
    },
    drain: (timeoutMs = 60_000) => LocalEventSourcePoller.drain(Object.values(pollers), { timeoutMs }),
    pollUntil: async (done, timeoutMs = 120_000) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        for (const poller of Object.values(pollers)) await poller.pollOnce(0);
        if (await done()) return true;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return done();
    },
    stop: async () => {
      try {
        await aws.stop();
      } finally {
        await pagerDuty.stop();
        // An anchor directory made here (none was given) goes with the runtime, whatever failed above.
        if (!options.anchorDir) rmSync(anchorDir, { recursive: true, force: true });
      }
    },
  };
}
