import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface PipelineQueueProps {
  /** The customer-managed key that encrypts the queue and its dead-letter queue. */
  readonly encryptionKey: kms.IKey;
  /** Timeout of the function that consumes this queue. */
  readonly consumerTimeout: Duration;
  /**
   * Visibility timeout; Lambda's SQS guidance asks for at least six times the function timeout, so a
   * record's retries and the batch window fit before it reappears.
   * @default six times `consumerTimeout`
   */
  readonly visibilityTimeout?: Duration;
  /** Receives before a message moves to the dead-letter queue; between 1 and 1000 inclusive. @default 5 */
  readonly maxReceiveCount?: number;
}

/**
 * A stage queue with its own dead-letter queue (kept 14 days), both encrypted with the
 * customer-managed key and refusing non-TLS requests.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-queueconfig
 */
export class PipelineQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: PipelineQueueProps) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new Error(
        `${id}: maxReceiveCount must be an integer between 1 and 1000 inclusive (given ${maxReceiveCount})`,
      );
    }
    const minimum = props.consumerTimeout.toSeconds() * 6;
    const visibility = props.visibilityTimeout ?? Duration.seconds(minimum);
    if (visibility.toSeconds() < minimum) {
      throw new Error(
        `${id}: visibilityTimeout must be at least six times the consumer's timeout ` +
          `(${props.consumerTimeout.toSeconds()} s × 6 = ${minimum} s; given ${visibility.toSeconds()} s)`,
      );
    }
    if (visibility.toSeconds() > 43_200) {
      throw new Error(
        `${id}: visibilityTimeout must be at most 12 hours (given ${visibility.toSeconds()} s)`,
      );
    }
    this.maxReceiveCount = maxReceiveCount;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetter', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      visibilityTimeout: visibility,
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
  }
}
