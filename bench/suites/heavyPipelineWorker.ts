import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { createAwsClients } from '../../adapters/aws/sqsClients';
import { createEraseHandler } from '../../functions/erase/eraseHandler';
import { createExtractHandler } from '../../functions/extract/extractHandler';
import { createGateHandler } from '../../functions/gate/gateHandler';
import { createLoadHandler } from '../../functions/load/loadHandler';
import { LocalEventSourcePoller } from '../../local/aws/LocalEventSourcePoller';
import { FileCompletionPublisher } from '../../local/pipeline/FileCompletionPublisher';
import type { SqsBatchHandler } from '../../shared/pipeline/sqsEvent';
import { configureSnowflakeDriver } from '../../shared/snowflake/configureSnowflakeDriver';

/** What the bench gives one function's worker. */
export interface HeavyPipelineWorkerData {
  readonly fn: 'extract' | 'gate' | 'load' | 'erase';
  readonly env: Record<string, string>;
  readonly queue: { url: string; arn: string; deadLetterUrl: string; maxReceiveCount: number };
  readonly timeoutMs: number;
  readonly aws: {
    region: string;
    sqsEndpoint: string;
    s3Endpoint: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
}

/** What a worker reports to the bench. */
export type HeavyPipelineWorkerReport =
  | { kind: 'line'; line: string }
  | { kind: 'invocation'; ms: number; received: number }
  | { kind: 'heap'; usedBytes: number; limitBytes: number }
  | { kind: 'stopped' };

/**
 * One function of the pipeline in its own worker thread, whose heap the bench caps
 * (`resourceLimits.maxOldGenerationSizeMb`) as Lambda's memory setting caps a function: the real
 * handler, built with the environment the stack deploys, behind a poller that plays its SQS event
 * source mapping with the stack's timeout as the remaining time each invocation sees.
 */
const data = workerData as HeavyPipelineWorkerData;
const port = parentPort;
if (!port) throw new Error('heavyPipelineWorker runs as a worker thread');
configureSnowflakeDriver({ logLevel: 'OFF' });
const { sqs, s3 } = createAwsClients(data.aws);
const sink = (line: string) => {
  // Requests' progress only: the bench reads `loaded` (or an erasure's end), retries and failures.
  if (
    /"message":"(loaded|will retry|dead-lettered|discovered|gate passed|time short[^"]*|erased|erasure not verified|waiting for approval|rows changed since discovery[^"]*|erasure refused[^"]*|quarantined[^"]*)"/.test(
      line,
    )
  )
    port.postMessage({ kind: 'line', line } satisfies HeavyPipelineWorkerReport);
};
// Completion events stay in the worker's memory: the local runtime's stand-in for the SNS topic.
const runtime = {
  sqs,
  s3,
  logSink: sink,
  metricSink: () => undefined,
  completions: new FileCompletionPublisher(),
};
const env = data.env as NodeJS.ProcessEnv;
const handler: SqsBatchHandler =
  data.fn === 'extract'
    ? createExtractHandler(env, runtime)
    : data.fn === 'gate'
      ? createGateHandler(env, runtime)
      : data.fn === 'erase'
        ? createEraseHandler(env, runtime)
        : createLoadHandler(env, runtime);
const timed: SqsBatchHandler = async (event, context) => {
  const started = Date.now();
  try {
    return await handler(event, context);
  } finally {
    port.postMessage({
      kind: 'invocation',
      ms: Date.now() - started,
      received: event.Records.length,
    } satisfies HeavyPipelineWorkerReport);
  }
};
const poller = new LocalEventSourcePoller({
  sqs,
  queueUrl: data.queue.url,
  queueArn: data.queue.arn,
  handler: timed,
  batchSize: 10,
  waitTimeSeconds: 0,
  functionTimeoutMs: data.timeoutMs,
  deadLetter: { url: data.queue.deadLetterUrl, maxReceiveCount: data.queue.maxReceiveCount },
});
const heap = setInterval(() => {
  const stats = getHeapStatistics();
  port.postMessage({
    kind: 'heap',
    usedBytes: stats.used_heap_size,
    limitBytes: stats.heap_size_limit,
  } satisfies HeavyPipelineWorkerReport);
}, 100);
let stopping = false;
port.on('message', (message: unknown) => {
  if (message === 'stop') stopping = true;
});
while (!stopping) {
  try {
    const result = await poller.pollOnce();
    if (result.received === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
clearInterval(heap);
port.postMessage({ kind: 'stopped' } satisfies HeavyPipelineWorkerReport);
process.exit(0);
