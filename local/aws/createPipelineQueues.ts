import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** The pipeline's queues, as in the stack. */
export const PIPELINE_QUEUES = ['high', 'standard', 'gate', 'load', 'erase'] as const;
export type PipelineQueueName = (typeof PIPELINE_QUEUES)[number];

export interface LocalQueue {
  readonly url: string;
  readonly arn: string;
  readonly deadLetterUrl: string;
  readonly deadLetterArn: string;
  /** Receives before a message is dead-lettered, enforced by `LocalEventSourcePoller`. */
  readonly maxReceiveCount: number;
}

export interface CreatePipelineQueuesOptions {
  /** Each queue is `<prefix>-<name>`, its dead-letter queue `<prefix>-<name>-dlq`. */
  readonly prefix: string;
  /** Receives before a message is dead-lettered, enforced by the poller. */
  readonly maxReceiveCount: number;
  /** Visibility timeout of the stage queues, seconds. */
  readonly visibilityTimeoutSeconds: number;
}

/**
 * Creates the stack's queues on a local SQS, each with a dead-letter queue and a redrive policy.
 * Queues with another prefix are another set: several sets can live on one server (the local SQS,
 * like SQS, allows one PurgeQueue per queue per 60 s, so a new set is how a test gets empty queues).
 */
export async function createPipelineQueues(
  sqs: SQSClient,
  options: CreatePipelineQueuesOptions,
): Promise<Readonly<Record<PipelineQueueName, LocalQueue>>> {
  const { prefix, maxReceiveCount } = options;
  const created = await Promise.all(
    PIPELINE_QUEUES.map(async (name): Promise<[PipelineQueueName, LocalQueue]> => {
      const deadLetterUrl = await createQueue(sqs, `${prefix}-${name}-dlq`, {});
      const deadLetterArn = await queueArn(sqs, deadLetterUrl);
      const url = await createQueue(sqs, `${prefix}-${name}`, {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds),
        // local-aws-sqs counts a ChangeMessageVisibility as a receive, so its own move would come
        // after about half the receives; the poller enforces `maxReceiveCount` and this is only a
        // backstop.
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: deadLetterArn,
          maxReceiveCount: maxReceiveCount * 2 + 2,
        }),
      });
      return [name, { url, arn: await queueArn(sqs, url), deadLetterUrl, deadLetterArn, maxReceiveCount }];
    }),
  );
  return Object.fromEntries(created) as Record<PipelineQueueName, LocalQueue>;
}

async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  const result = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!result.QueueUrl) throw new Error(`queue ${name} was not created`);
  return result.QueueUrl;
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const result = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = result.Attributes?.QueueArn;
  if (!arn) throw new Error(`no ARN for ${url}`);
  return arn;
}
