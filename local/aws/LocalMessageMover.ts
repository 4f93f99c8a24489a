import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { MessageMover, RedriveOutcome } from '../../shared/pipeline/MessageQueue';

/**
 * Redrive by receive, send and delete, for a local SQS without message move tasks. The pipeline
 * uses `SqsMessageQueue.redrive` (StartMessageMoveTask), which local-aws-sqs supports; this one is
 * kept behind the same port for servers that do not.
 */
export class LocalMessageMover implements MessageMover {
  constructor(
    private readonly sqs: SQSClient,
    /** Dead-letter ARN → { dead-letter URL, source URL, source ARN }. */
    private readonly routes: Readonly<
      Record<string, { deadLetterUrl: string; sourceUrl: string; sourceArn: string }>
    >,
  ) {}

  async redrive(deadLetterArn: string): Promise<RedriveOutcome> {
    const route = this.routes[deadLetterArn];
    if (!route) throw new Error(`no route for ${deadLetterArn}`);
    let moved = 0;
    for (;;) {
      const batch = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: route.deadLetterUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
          WaitTimeSeconds: 0,
        }),
      );
      const messages = batch.Messages ?? [];
      if (messages.length === 0) break;
      for (const message of messages) {
        await this.sqs.send(
          new SendMessageCommand({
            QueueUrl: route.sourceUrl,
            MessageBody: message.Body ?? '',
            MessageAttributes: message.MessageAttributes,
          }),
        );
        await this.sqs.send(
          new DeleteMessageCommand({ QueueUrl: route.deadLetterUrl, ReceiptHandle: message.ReceiptHandle }),
        );
        moved += 1;
      }
    }
    return moved === 0
      ? { status: 'empty' }
      : { status: 'started', destinationArn: route.sourceArn, messages: moved };
  }
}
