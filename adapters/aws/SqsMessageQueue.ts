import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { DependencyError, InvalidArgumentError } from '../../shared/errors/errors';
import type {
  DeadLetterInbox,
  InboxMessage,
  MessageAttributes,
  MessageMover,
  MessageQueue,
  RedriveOutcome,
  SendOptions,
} from '../../shared/pipeline/MessageQueue';
import { awsCall } from './classifyAwsError';

/** SQS allows at most 10 message attributes. */
const MAX_ATTRIBUTES = 10;

/**
 * The pipeline's queues over SQS. Every error leaving it is classified with the dependency `sqs`
 * (see `classifyAwsError`). Queue URLs for `ChangeMessageVisibility` are resolved from the
 * record's queue ARN with `GetQueueUrl` (account and name) and cached.
 */
export class SqsMessageQueue implements MessageQueue, MessageMover, DeadLetterInbox {
  private readonly urls = new Map<string, Promise<string>>();

  constructor(private readonly client: SQSClient) {}

  async send(
    queueUrl: string,
    body: string,
    attributes: MessageAttributes = {},
    options: SendOptions = {},
  ): Promise<string | undefined> {
    const messageAttributes = toAttributes(attributes);
    const sent = await awsCall('sqs', 'SendMessage', () =>
      this.client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          MessageAttributes: messageAttributes,
          ...(options.delaySeconds !== undefined ? { DelaySeconds: options.delaySeconds } : {}),
        }),
      ),
    );
    return sent.MessageId;
  }

  async sendToDeadLetter(queueUrl: string, body: string, metadata: MessageAttributes): Promise<void> {
    await this.send(queueUrl, body, metadata);
  }

  async changeVisibility(queueArn: string, receiptHandle: string, seconds: number): Promise<void> {
    const queueUrl = await this.urlOf(queueArn);
    await awsCall('sqs', 'ChangeMessageVisibility', () =>
      this.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: seconds,
        }),
      ),
    );
  }

  async receive(queueUrl: string, visibilitySeconds: number): Promise<readonly InboxMessage[]> {
    const received = await awsCall('sqs', 'ReceiveMessage', () =>
      this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: visibilitySeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          // Some SQS-compatible endpoints honour only the older parameter.
          AttributeNames: ['All'],
        }),
      ),
    );
    const seen = new Set<string>();
    const messages: InboxMessage[] = [];
    for (const m of received.Messages ?? []) {
      if (!m.MessageId || !m.ReceiptHandle || seen.has(m.MessageId)) continue;
      seen.add(m.MessageId);
      messages.push({
        messageId: m.MessageId,
        receiptHandle: m.ReceiptHandle,
        body: m.Body ?? '',
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? '1') || 1,
      });
    }
    return messages;
  }

  async delete(queueUrl: string, receiptHandle: string): Promise<void> {
    await awsCall('sqs', 'DeleteMessage', () =>
      this.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle })),
    );
  }

  async release(queueUrl: string, receiptHandle: string): Promise<void> {
    await awsCall('sqs', 'ChangeMessageVisibility', () =>
      this.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: 0,
        }),
      ),
    );
  }

  /**
   * Starts a message move task from the dead-letter queue back to its source queue. The destination
   * is named explicitly: without it SQS can only move messages it dead-lettered itself, and fails
   * (`CouldNotDetermineMessageSource`) on those the pipeline sent there.
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html
   */
  async redrive(deadLetterArn: string): Promise<RedriveOutcome> {
    const tasks = await awsCall('sqs', 'ListMessageMoveTasks', () =>
      this.client.send(new ListMessageMoveTasksCommand({ SourceArn: deadLetterArn, MaxResults: 1 })),
    );
    if (tasks.Results?.some((t) => t.Status === 'RUNNING')) return { status: 'already_running' };
    const deadLetterUrl = await this.urlOf(deadLetterArn);
    const attributes = await awsCall('sqs', 'GetQueueAttributes', () =>
      this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: deadLetterUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      ),
    );
    const messages = Number(attributes.Attributes?.ApproximateNumberOfMessages ?? '0');
    if (messages === 0) return { status: 'empty' };
    const sources = await awsCall('sqs', 'ListDeadLetterSourceQueues', () =>
      this.client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: deadLetterUrl })),
    );
    const sourceUrl = sources.queueUrls?.[0];
    if (!sourceUrl || (sources.queueUrls?.length ?? 0) > 1) {
      // A queue set up otherwise than the stack does: asking again will not change it.
      throw new DependencyError('sqs', 'ListDeadLetterSourceQueues', false, 'NotExactlyOneSourceQueue');
    }
    const source = await awsCall('sqs', 'GetQueueAttributes', () =>
      this.client.send(new GetQueueAttributesCommand({ QueueUrl: sourceUrl, AttributeNames: ['QueueArn'] })),
    );
    const destinationArn = source.Attributes?.QueueArn;
    if (!destinationArn) throw new DependencyError('sqs', 'GetQueueAttributes', false, 'NoQueueArn');
    await awsCall('sqs', 'StartMessageMoveTask', () =>
      this.client.send(
        new StartMessageMoveTaskCommand({ SourceArn: deadLetterArn, DestinationArn: destinationArn }),
      ),
    );
    return { status: 'started', destinationArn, messages };
  }

  private urlOf(queueArn: string): Promise<string> {
    let url = this.urls.get(queueArn);
    if (!url) {
      url = this.resolve(queueArn);
      this.urls.set(queueArn, url);
      url.catch(() => this.urls.delete(queueArn));
    }
    return url;
  }

  private async resolve(queueArn: string): Promise<string> {
    // arn:aws:sqs:<region>:<account>:<name>
    const [, , , , account, name] = queueArn.split(':');
    if (!account || !name)
      throw new InvalidArgumentError('not an SQS queue ARN (arn:aws:sqs:region:account:name)');
    const result = await awsCall('sqs', 'GetQueueUrl', () =>
      this.client.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })),
    );
    if (!result.QueueUrl) throw new DependencyError('sqs', 'GetQueueUrl', false, 'NoQueueUrl');
    return result.QueueUrl;
  }
}

function toAttributes(attributes: MessageAttributes): Record<string, MessageAttributeValue> | undefined {
  const entries = Object.entries(attributes).filter(([, v]) => v !== '');
  if (entries.length === 0) return undefined;
  if (entries.length > MAX_ATTRIBUTES) {
    throw new InvalidArgumentError(`at most ${MAX_ATTRIBUTES} message attributes (given ${entries.length})`);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));
}
