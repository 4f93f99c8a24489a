import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { CompletionEvent } from '../../shared/pipeline/CompletionEvent';
import type { CompletionPublisher } from '../../shared/pipeline/CompletionPublisher';
import { classifyAwsError } from './classifyAwsError';

/**
 * Publishes completion events to the stack's SNS topic. The message is the event's JSON; its
 * state, type and finality are message attributes too, so a subscription's filter policy can take,
 * say, only answered access requests.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html
 */
export class SnsCompletionPublisher implements CompletionPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(event: CompletionEvent): Promise<void> {
    try {
      await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Message: JSON.stringify(event),
          MessageAttributes: {
            state: { DataType: 'String', StringValue: event.state },
            type: { DataType: 'String', StringValue: event.type },
            final: { DataType: 'String', StringValue: String(event.final) },
          },
        }),
      );
    } catch (error) {
      throw classifyAwsError('sns', 'Publish', error);
    }
  }
}
