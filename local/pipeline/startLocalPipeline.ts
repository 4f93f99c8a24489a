import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { StageRuntime } from '../../functions/common/StageRuntime';
import { createExtractHandler } from '../../functions/extract/extractHandler';
import { createGateHandler } from '../../functions/gate/gateHandler';
import { createLoadHandler } from '../../functions/load/loadHandler';
import { createRedriveHandler } from '../../functions/redrive/redriveHandler';
import type { SqsBatchHandler, SqsEvent } from '../../shared/pipeline/sqsEvent';
import type { LogSink } from '../../shared/telemetry/LogSink';
import { LocalEventSourcePoller } from '../aws/LocalEventSourcePoller';
import { pollersFor } from '../aws/pollersFor';
import { type LocalAws, PIPELINE_QUEUES, type PipelineQueueName, startLocalAws } from '../aws/startLocalAws';
import type { LocalSnowflake } from '../snowflake/startLocalSnowflake';
import { type LocalPagerDuty, startLocalPagerDuty } from './LocalPagerDuty';

export interface LocalPipelineOptions {
  readonly dataMapFile: string;
  readonly pgDsn: string;
  readonly snowflake: LocalSnowflake;
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
}

export interface LocalPipeline {
  readonly aws: LocalAws;
  readonly pagerDuty: LocalPagerDuty;
  readonly pollers: Readonly<Record<PipelineQueueName, LocalEventSourcePoller>>;
  /** Sends an intake message to the high or standard queue. */
  submit(body: string, priority: 'high' | 'standard'): Promise<void>;
  /**
   * Replaces every handler with a freshly built one, as Lambda does when it starts new containers:
   * new connections, closed circuits, nothing remembered.
   */
  coldStart(): void;
  /** Runs the redrive function once (what the maintenance-window schedule does). */
  redrive(): Promise<unknown>;
  /** Polls every queue until all are empty. */
  drain(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The pipeline on one machine: local SQS and S3 on loopback, the very handlers Lambda runs (built
 * by the same factories, configured through the same environment variables), and pollers playing
 * Lambda's SQS event source mappings (batch size, visibility, partial batch failures, max receives).
 */
export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const aws = await startLocalAws({ maxReceiveCount, visibilityTimeoutSeconds: 30 });
  const pagerDuty = await startLocalPagerDuty();
  const { queues } = aws;
  const sf = options.snowflake;
  const base: NodeJS.ProcessEnv = {
    DSR_DATAMAP_PATH: options.dataMapFile,
    PAYLOAD_BUCKET: aws.bucket,
    PAYLOAD_KMS_KEY_ARN: 'alias/dsr-bridge-local',
    DSR_SQS_ENDPOINT: aws.sqsEndpoint,
    DSR_S3_ENDPOINT: aws.s3Endpoint,
    AWS_REGION: aws.region,
    DSR_SUBJECT_HASH_KEY: options.subjectHashKey,
    PG_DSN: options.pgDsn,
    PG_APPLICATION_NAME: 'dsr-bridge-local',
    MAX_RECEIVE_COUNT: String(maxReceiveCount),
    DSR_BACKOFF_BASE_SECONDS: '1',
    DSR_BACKOFF_CAP_SECONDS: '4',
    // A circuit opened by a fault closes again within the local retry budget.
    DSR_BREAKER_OPEN_MS: '3000',
    ...options.env,
  };
  const snowflakeEnv: NodeJS.ProcessEnv = {
    SNOWFLAKE_ACCOUNT: sf.account,
    SNOWFLAKE_USER: 'DSR',
    SNOWFLAKE_PASSWORD: 'dsr',
    SNOWFLAKE_ACCESS_URL: sf.url,
    SNOWFLAKE_DATABASE: options.evidence.database,
    SNOWFLAKE_SCHEMA: options.evidence.schema,
    SNOWFLAKE_LOG_LEVEL: 'OFF',
    SNOWFLAKE_STATEMENT_TIMEOUT_MS: '20000',
  };
  const runtime: StageRuntime = {
    sqs: aws.sqs,
    s3: aws.s3,
    logSink: options.logSink,
    metricSink: options.metricSink,
  };
  const extract = (priority: 'high' | 'standard') =>
    createExtractHandler(
      {
        ...base,
        ...snowflakeEnv,
        DSR_STAGE: `extract-${priority}`,
        DSR_PRIORITY: priority,
        NEXT_QUEUE_URL: queues.gate.url,
        HIGH_QUEUE_URL: queues.high.url,
        DEAD_LETTER_QUEUE_URL: queues[priority].deadLetterUrl,
      },
      runtime,
    );
  const buildHandlers = (): Record<PipelineQueueName, SqsBatchHandler> => ({
    high: extract('high'),
    standard: extract('standard'),
    gate: createGateHandler(
      {
        ...base,
        ...snowflakeEnv,
        DSR_STAGE: 'gate',
        NEXT_QUEUE_URL: queues.load.url,
        DEAD_LETTER_QUEUE_URL: queues.gate.deadLetterUrl,
        PAGERDUTY_ROUTING_KEY: 'local-routing-key',
        PAGERDUTY_EVENTS_URL: pagerDuty.url,
      },
      runtime,
    ),
    load: createLoadHandler(
      {
        ...base,
        ...snowflakeEnv,
        DSR_STAGE: 'load',
        DEAD_LETTER_QUEUE_URL: queues.load.deadLetterUrl,
        PAGERDUTY_ROUTING_KEY: 'local-routing-key',
        PAGERDUTY_EVENTS_URL: pagerDuty.url,
      },
      runtime,
    ),
  });
  // The pollers call whichever handlers are current, so a cold start can swap them in.
  let current = buildHandlers();
  const handlers = Object.fromEntries(
    PIPELINE_QUEUES.map((name) => [name, (event: SqsEvent) => current[name](event)]),
  ) as Record<PipelineQueueName, SqsBatchHandler>;
  const redrive = createRedriveHandler(
    {
      DSR_SQS_ENDPOINT: aws.sqsEndpoint,
      AWS_REGION: aws.region,
      DEAD_LETTER_QUEUE_ARNS: Object.values(queues)
        .map((q) => q.deadLetterArn)
        .join(','),
    },
    runtime,
  );
  const pollers = pollersFor(aws, handlers, { batchSize: 10 });

  return {
    aws,
    pagerDuty,
    pollers,
    submit: async (body, priority) => {
      await aws.sqs.send(new SendMessageCommand({ QueueUrl: queues[priority].url, MessageBody: body }));
    },
    redrive: () => redrive({ source: 'local' }),
    coldStart: () => {
      current = buildHandlers();
    },
    drain: (timeoutMs = 60_000) => LocalEventSourcePoller.drain(Object.values(pollers), { timeoutMs }),
    stop: async () => {
      await aws.stop();
      await pagerDuty.stop();
    },
  };
}
