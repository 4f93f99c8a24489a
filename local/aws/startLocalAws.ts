import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import S3rver from 's3rver';
import { createAwsClients } from '../../adapters/aws/sqsClients';
import { createPipelineQueues, type LocalQueue, type PipelineQueueName } from './createPipelineQueues';
import { enableS3rverContinuationTokens } from './enableS3rverContinuationTokens';

export { type LocalQueue, PIPELINE_QUEUES, type PipelineQueueName } from './createPipelineQueues';

export interface StartLocalAwsOptions {
  /** Directory of the S3 objects. @default a new temporary directory, removed on stop */
  readonly dataDir?: string;
  /** @default dsr-bridge-payloads */
  readonly bucket?: string;
  /** Receives before SQS moves a message to its dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** Visibility timeout of the stage queues, seconds. @default 30 */
  readonly visibilityTimeoutSeconds?: number;
  /** Loopback ports of SQS and S3, e.g. the ones a previous run used. @default 0 (free ones) */
  readonly sqsPort?: number;
  readonly s3Port?: number;
}

export interface LocalAws {
  readonly region: string;
  readonly sqsEndpoint: string;
  readonly s3Endpoint: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly queues: Readonly<Record<PipelineQueueName, LocalQueue>>;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
/** s3rver checks signatures against these. */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * Starts SQS (`local-aws-sqs`, the SDK's JSON protocol) and S3 (`s3rver`) on ephemeral loopback
 * ports, with the stack's queues (each with a dead-letter queue and a redrive policy) and the
 * payload bucket. s3rver accepts SSE-KMS headers but does not encrypt.
 */
export async function startLocalAws(options: StartLocalAwsOptions = {}): Promise<LocalAws> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'dsr-s3-')));
  const bucket = options.bucket ?? 'dsr-bridge-payloads';
  const maxReceiveCount = options.maxReceiveCount ?? 5;

  const sqsServer: Server = await createSqsServer({
    port: options.sqsPort ?? 0,
    hostname: '127.0.0.1',
    emulateQueueCreationLifecycle: false,
  });
  const sqsPort = (sqsServer.address() as AddressInfo).port;
  enableS3rverContinuationTokens();
  const s3Server = new S3rver({
    port: options.s3Port ?? 0,
    address: '127.0.0.1',
    silent: true,
    directory: dataDir,
  });
  const s3Address = (await s3Server.run()) as AddressInfo;

  const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;
  const s3Endpoint = `http://127.0.0.1:${s3Address.port}`;
  const { sqs, s3 } = createAwsClients({ region: REGION, sqsEndpoint, s3Endpoint, credentials: CREDENTIALS });

  const queues = await createPipelineQueues(sqs, {
    prefix: 'dsr',
    maxReceiveCount,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
  });
  // A data directory kept from an earlier run already holds the bucket.
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: unknown) => {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyExists' && name !== 'BucketAlreadyOwnedByYou') throw error;
  });

  return {
    region: REGION,
    sqsEndpoint,
    s3Endpoint,
    credentials: CREDENTIALS,
    sqs,
    s3,
    bucket,
    queues,
    async stop() {
      sqs.destroy();
      s3.destroy();
      try {
        await new Promise<void>((resolve) => {
          sqsServer.close(() => resolve());
          sqsServer.closeAllConnections?.();
        });
        await s3Server.close();
      } finally {
        // The objects go even when a server fails to close.
        if (ownDir) await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}
