import type { SqsBatchHandler } from '../../shared/pipeline/sqsEvent';
import { LocalEventSourcePoller } from './LocalEventSourcePoller';
import type { LocalAws, PipelineQueueName } from './startLocalAws';

/**
 * One poller per pipeline queue given a handler, as Lambda's event source mappings are wired in
 * the stack (a harness may wire only some of the queues).
 */
export function pollersFor<Name extends PipelineQueueName>(
  aws: LocalAws,
  handlers: Readonly<Record<Name, SqsBatchHandler>>,
  options: {
    readonly batchSize?: number;
    /** Each function's timeout, ms (see `LocalEventSourcePollerOptions.functionTimeoutMs`). */
    readonly functionTimeoutsMs?: Partial<Readonly<Record<PipelineQueueName, number>>>;
  } = {},
): Record<Name, LocalEventSourcePoller> {
  return Object.fromEntries(
    (Object.keys(handlers) as Name[]).map((name) => {
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
  ) as Record<Name, LocalEventSourcePoller>;
}
