import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { CompletionPublisher } from '../../shared/pipeline/CompletionPublisher';
import type { LogSink } from '../../shared/telemetry/LogSink';

/**
 * What a handler may be given besides its environment: where its log and metric lines go (the
 * local runtime captures them to check them for personal data) and AWS clients to reuse. Lambda
 * passes nothing.
 */
export interface StageRuntime {
  readonly logSink?: LogSink;
  readonly metricSink?: LogSink;
  readonly sqs?: SQSClient;
  readonly s3?: S3Client;
  readonly secrets?: SecretsManagerClient;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  /** Where completion events go instead of the SNS topic (the local runtime). */
  readonly completions?: CompletionPublisher;
}
