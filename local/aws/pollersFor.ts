import type { SqsBatchHandler } from '../../shared/pipeline/sqsEvent';
import { LocalEventSourcePoller } from './LocalEventSourcePoller';
import type { LocalAws, PipelineQueueName } from './startLocalAws';

/** One poller per pipeline queue, as Lambda's event source mappings are wired in the stack. */
export function pollersFor(
  aws: LocalAws,
  handlers: Readonly<Record<PipelineQueueName, SqsBatchHandler>>,
  options: {
    readonly batchSize?: number;
    /** Each function's timeout, ms (see `LocalEventSourcePollerOptions.functionTimeoutMs`). */
    readonly functionTimeoutsMs?: Partial<Readonly<Record<PipelineQueueName, number>>>;
  } = {},
): Record<PipelineQueueName, LocalEventSourcePoller> {
  return Object.fromEntries(
    (Object.keys(handlers) as PipelineQueueName[]).map((name) => {
      const queue = aws.queues[name];
      const timeout = options.functionTimeoutsMs?.[name];
      return [
        name,
        new LocalEventSourcePoller({
          sqs: aws.sqs,
          queueUrl: queue.url,
          queueArn: queue.arn,
          handler: handlers[name],
          ...(options.batchSize ? { batchSize: options.batchSize } : {}),
          ...(timeout !== undefined ? { functionTimeoutMs: timeout } : {}),
          waitTimeSeconds: 0,
          deadLetter: { url: queue.deadLetterUrl, maxReceiveCount: queue.maxReceiveCount },
        }),
      ];
    }),
  ) as Record<PipelineQueueName, LocalEventSourcePoller>;
}
