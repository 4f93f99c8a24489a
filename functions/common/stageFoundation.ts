import { readFileSync } from 'node:fs';
import type { Logger } from '@aws-lambda-powertools/logger';
import { S3PackageSink } from '../../adapters/aws/S3PackageSink';
import { S3PayloadStore } from '../../adapters/aws/S3PayloadStore';
import { SecretsManagerCredentialSource } from '../../adapters/aws/SecretsManagerCredentialSource';
import { SqsMessageQueue } from '../../adapters/aws/SqsMessageQueue';
import { createAwsClients } from '../../adapters/aws/sqsClients';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { ConfigError } from '../../shared/errors/errors';
import type { Ledger } from '../../shared/ledger/Ledger';
import { packagePrefix } from '../../shared/payload/PayloadStore';
import { createRecordProcessor } from '../../shared/pipeline/createRecordProcessor';
import type { StageWork } from '../../shared/pipeline/RecordContext';
import type { SqsBatchHandler } from '../../shared/pipeline/sqsEvent';
import type { CredentialSource } from '../../shared/postgres/CredentialSource';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { FileDsnCredentialSource } from '../../shared/postgres/FileDsnCredentialSource';
import { DependencyBreakers } from '../../shared/resilience/DependencyBreakers';
import { ComplianceMetrics } from '../../shared/telemetry/ComplianceMetrics';
import { createLogger } from '../../shared/telemetry/createLogger';
import { serializeError } from '../../shared/telemetry/serializeError';
import type { StageRuntime } from './StageRuntime';
import type { StageEnv } from './stageEnv';

/** Reads the data map bundled next to the function (or named by `DSR_DATAMAP_PATH` locally). */
export function readDataMapFile(path: string): DataMap {
  return parseDataMap(readFileSync(path, 'utf8'), path);
}

/** What every stage builds once per container from its parsed configuration: logger, queue and bucket adapters. */
export interface StageFoundation {
  readonly env: StageEnv;
  readonly dataMap: DataMap;
  readonly logger: Logger;
  readonly sqs: SqsMessageQueue;
  readonly payloads: S3PayloadStore;
  /** Where a request's package is written: `packages/<request id>/` in the payload bucket. */
  readonly packageSink: (requestId: string) => S3PackageSink;
}

export function stageFoundation(
  config: { readonly env: StageEnv; readonly dataMap: DataMap },
  runtime: StageRuntime,
): StageFoundation {
  const { env, dataMap } = config;
  return { env, dataMap, ...functionPorts(env, runtime) };
}

/** The AWS settings a function's logger, queue and bucket adapters are built from. */
export type FunctionPortsEnv = Pick<
  StageEnv,
  'AWS_REGION' | 'DSR_SQS_ENDPOINT' | 'DSR_S3_ENDPOINT' | 'PAYLOAD_BUCKET' | 'PAYLOAD_KMS_KEY_ARN'
>;

/**
 * A function's logger (to the runtime's sink) and its queue and bucket adapters, over the runtime's
 * AWS clients or clients made for the region and (locally) loopback endpoints.
 */
export function functionPorts(
  env: FunctionPortsEnv,
  runtime: StageRuntime,
): Pick<StageFoundation, 'logger' | 'sqs' | 'payloads' | 'packageSink'> {
  const clients = createAwsClients({
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    ...(env.DSR_SQS_ENDPOINT ? { sqsEndpoint: env.DSR_SQS_ENDPOINT } : {}),
    ...(env.DSR_S3_ENDPOINT ? { s3Endpoint: env.DSR_S3_ENDPOINT } : {}),
  });
  const s3 = runtime.s3 ?? clients.s3;
  const kms = env.PAYLOAD_KMS_KEY_ARN ? { kmsKeyId: env.PAYLOAD_KMS_KEY_ARN } : {};
  return {
    logger: createLogger({ ...(runtime.logSink ? { sink: runtime.logSink } : {}) }),
    sqs: new SqsMessageQueue(runtime.sqs ?? clients.sqs),
    payloads: new S3PayloadStore(s3, { bucket: env.PAYLOAD_BUCKET, ...kms }),
    packageSink: (requestId) =>
      new S3PackageSink(s3, { bucket: env.PAYLOAD_BUCKET, prefix: packagePrefix(requestId), ...kms }),
  };
}

/**
 * A value made on first use and kept; a failed attempt is forgotten, so the next use tries again
 * (a database down at a cold start must not poison the container).
 */
export function memoizeSuccess<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
}

/**
 * A handler whose dependencies are built on its first invocation (connections are opened lazily,
 * so module initialisation stays cheap) and reused by later invocations of the same container.
 * Building touches no database: what needs one is made per record, where failures back off.
 */
export function lazyHandler<E, R, C = unknown>(
  build: () => Promise<(event: E, context?: C) => Promise<R>>,
): (event: E, context?: C) => Promise<R> {
  const built = memoizeSuccess(build);
  return async (event, context) => (await built())(event, context);
}

/** The stage's record processor: its dead-letter queue, receive limit and backoff from the environment. */
export function stageProcessor(
  foundation: StageFoundation,
  ledger: Ledger,
  runtime: StageRuntime,
  work: StageWork,
): SqsBatchHandler {
  const { env } = foundation;
  return createRecordProcessor(
    {
      stage: env.DSR_STAGE,
      deadLetterQueueUrl: env.DEAD_LETTER_QUEUE_URL,
      queue: foundation.sqs,
      payloads: foundation.payloads,
      ledger,
      logger: foundation.logger,
      maxReceiveCount: env.MAX_RECEIVE_COUNT,
      metrics: new ComplianceMetrics(runtime.metricSink),
      backoff: { baseSeconds: env.DSR_BACKOFF_BASE_SECONDS, capSeconds: env.DSR_BACKOFF_CAP_SECONDS },
      ...(runtime.now ? { now: runtime.now } : {}),
    },
    work,
  );
}

/**
 * PostgreSQL credentials: `PG_DSN_FILE` (reread on authentication failure) or `PG_DSN` on one
 * machine, the RDS-format secret (`PG_SECRET_ARN`) in AWS.
 */
export function pgCredentials(
  env: { readonly PG_DSN_FILE?: string; readonly PG_DSN?: string; readonly PG_SECRET_ARN?: string },
  runtime: StageRuntime,
): CredentialSource {
  if (env.PG_DSN_FILE) return new FileDsnCredentialSource(env.PG_DSN_FILE);
  if (env.PG_DSN) return new DsnCredentialSource(env.PG_DSN);
  // The schemas require exactly one of the three; the message names them all if none came.
  if (!env.PG_SECRET_ARN) throw new ConfigError('PG_SECRET_ARN', 'is not set (nor PG_DSN, nor PG_DSN_FILE)');
  return new SecretsManagerCredentialSource({
    secretId: env.PG_SECRET_ARN,
    ...(runtime.secrets ? { client: runtime.secrets } : {}),
  });
}

/** Circuit breakers per dependency, as the environment sets them; opening and closing are logged. */
export function stageBreakers(
  env: Pick<StageEnv, 'DSR_STAGE' | 'DSR_BREAKER_THRESHOLD' | 'DSR_BREAKER_OPEN_MS'>,
  logger?: Logger,
): DependencyBreakers {
  const settings = {
    kind: 'consecutive' as const,
    threshold: env.DSR_BREAKER_THRESHOLD,
    halfOpenAfterMs: env.DSR_BREAKER_OPEN_MS,
  };
  return new DependencyBreakers(
    { postgres: settings, snowflake: settings },
    {
      onOpen: (dependency, cause) => {
        const { errorClass, code, kind } = serializeError(cause);
        logger?.warn('circuit opened', {
          stage: env.DSR_STAGE,
          dependency,
          cause: { errorClass, code, kind },
        });
      },
      onClose: (dependency) => logger?.info('circuit closed', { stage: env.DSR_STAGE, dependency }),
    },
  );
}
