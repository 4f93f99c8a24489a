import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SqsBatchHandler, SqsRecord } from '../../shared/pipeline/sqsEvent';

export interface LocalEventSourcePollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly handler: SqsBatchHandler;
  /** 1–10. @default 10 */
  readonly batchSize?: number;
  /** Long-poll wait, seconds. @default 1 */
  readonly waitTimeSeconds?: number;
  /** Visibility timeout of received messages, seconds. @default the queue's */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * Moves a message received more than `maxReceiveCount` times to the dead-letter queue, as SQS's
   * redrive policy would; the local server's own move is set later (see `startLocalAws`).
   */
  readonly deadLetter?: { readonly url: string; readonly maxReceiveCount: number };
  /** @default us-east-1 */
  readonly region?: string;
  /**
   * The function's timeout, ms: each invocation is given a context whose remaining time counts
   * down from it, as Lambda's does. @default none (no limit)
   */
  readonly functionTimeoutMs?: number;
}

export interface PollResult {
  readonly received: number;
  readonly failed: number;
  readonly deleted: number;
  readonly deadLettered: number;
}

/**
 * Plays Lambda's SQS event source mapping on one machine: receives a batch, invokes the handler
 * with an SQS event, deletes the records not reported in `batchItemFailures` and leaves the failed
 * ones to reappear when their visibility timeout ends. A handler that throws fails the whole batch,
 * as in Lambda. https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export class LocalEventSourcePoller {
  private running: Promise<void> | undefined;
  /**
   * Receives per message id, counted here: local-aws-sqs also increments its
   * `ApproximateReceiveCount` on `ChangeMessageVisibility`, which would make a retried message look
   * received twice as often as it was.
   */
  private readonly receives = new Map<string, number>();
  private stopping = false;

  constructor(private readonly options: LocalEventSourcePollerOptions) {
    const size = options.batchSize ?? 10;
    if (!Number.isInteger(size) || size < 1 || size > 10) {
      throw new Error(`batchSize must be an integer between 1 and 10 inclusive (given ${size})`);
    }
  }

  /** Receives and processes one batch. */
  async pollOnce(waitTimeSeconds = this.options.waitTimeSeconds ?? 1): Promise<PollResult> {
    const { sqs, queueUrl } = this.options;
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: this.options.batchSize ?? 10,
        WaitTimeSeconds: waitTimeSeconds,
        // local-aws-sqs ignores MessageSystemAttributeNames: ask through AttributeNames.
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
        ...(this.options.visibilityTimeoutSeconds !== undefined
          ? { VisibilityTimeout: this.options.visibilityTimeoutSeconds }
          : {}),
      }),
    );
    const messages: Message[] = [];
    let deadLettered = 0;
    const seen = new Set<string>();
    for (const message of received.Messages ?? []) {
      // One receive may return the same message twice on the local server: keep the first.
      if (!message.MessageId || seen.has(message.MessageId)) continue;
      seen.add(message.MessageId);
      const count = (this.receives.get(message.MessageId) ?? 0) + 1;
      this.receives.set(message.MessageId, count);
      message.Attributes = { ...message.Attributes, ApproximateReceiveCount: String(count) };
      if (await this.moveIfExhausted(message)) deadLettered += 1;
      else messages.push(message);
    }
    if (messages.length === 0) return { received: 0, failed: 0, deleted: 0, deadLettered };

    let failedIds: Set<string>;
    try {
      const timeout = this.options.functionTimeoutMs;
      const deadline = Date.now() + (timeout ?? 0);
      const response = await this.options.handler(
        { Records: messages.map((m) => this.toRecord(m)) },
        timeout === undefined ? undefined : { getRemainingTimeInMillis: () => deadline - Date.now() },
      );
      failedIds = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    } catch {
      failedIds = new Set(messages.map((m) => m.MessageId ?? ''));
    }
    let deleted = 0;
    for (const message of messages) {
      if (failedIds.has(message.MessageId ?? '')) continue;
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      this.receives.delete(message.MessageId ?? '');
      deleted += 1;
    }
    return { received: messages.length, failed: messages.length - deleted, deleted, deadLettered };
  }

  /** Polls until {@link stop}. */
  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = (async () => {
      while (!this.stopping) await this.pollOnce();
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.running = undefined;
  }

  /** Visible plus in-flight messages of the queue. */
  async pending(): Promise<number> {
    const result = await this.options.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.options.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(result.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }

  /**
   * Polls every poller until all their queues are empty (nothing visible or in flight), or throws
   * after `timeoutMs`.
   */
  static async drain(
    pollers: readonly LocalEventSourcePoller[],
    options: { timeoutMs?: number; waitTimeSeconds?: number } = {},
  ): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    while (Date.now() < deadline) {
      let received = 0;
      for (const poller of pollers) {
        const result = await poller.pollOnce(options.waitTimeSeconds ?? 0);
        received += result.received + result.deadLettered;
      }
      // Counted after every poller ran: one stage's output is the next one's input.
      let pending = 0;
      for (const poller of pollers) pending += await poller.pending();
      if (received === 0 && pending === 0) return;
      // A round that received something goes straight on: its output is the next round's input.
      // Only a round that found messages in flight (not yet visible) waits before polling again.
      if (received === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`queues not drained within ${options.timeoutMs ?? 30_000} ms`);
  }

  private async moveIfExhausted(message: Message): Promise<boolean> {
    const deadLetter = this.options.deadLetter;
    const count = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    if (!deadLetter || count <= deadLetter.maxReceiveCount) return false;
    await this.options.sqs.send(
      new SendMessageCommand({
        QueueUrl: deadLetter.url,
        MessageBody: message.Body ?? '',
        MessageAttributes: message.MessageAttributes,
      }),
    );
    await this.options.sqs.send(
      new DeleteMessageCommand({ QueueUrl: this.options.queueUrl, ReceiptHandle: message.ReceiptHandle }),
    );
    this.receives.delete(message.MessageId ?? '');
    return true;
  }

  private toRecord(message: Message): SqsRecord {
    const attributes = message.Attributes ?? {};
    return {
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      attributes: { ...attributes, ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1' },
      messageAttributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
          name,
          {
            dataType: value.DataType ?? 'String',
            ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
          },
        ]),
      ),
      ...(message.MD5OfBody ? { md5OfBody: message.MD5OfBody } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: this.options.queueArn,
      awsRegion: this.options.region ?? 'us-east-1',
    };
  }
}
