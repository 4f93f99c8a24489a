import type { Logger } from '@aws-lambda-powertools/logger';
import type { MessageMover, RedriveOutcome } from '../MessageQueue';

export interface RedriveStageDeps {
  /** ARNs of the dead-letter queues to empty (`DEAD_LETTER_QUEUE_ARNS`). */
  readonly deadLetterArns: readonly string[];
  readonly mover: MessageMover;
  readonly logger: Logger;
}

/**
 * Moves every dead-letter queue's messages back to its source queue (run in the maintenance window).
 * One queue's failure does not stop the others; the outcome of each is returned and logged.
 */
export async function redriveStage(
  deps: RedriveStageDeps,
): Promise<Record<string, RedriveOutcome | { status: 'failed'; code: string }>> {
  const outcomes: Record<string, RedriveOutcome | { status: 'failed'; code: string }> = {};
  for (const arn of deps.deadLetterArns) {
    try {
      outcomes[arn] = await deps.mover.redrive(arn);
      deps.logger.info('redrive', { stage: 'redrive', deadLetterArn: arn, ...outcomes[arn] });
    } catch (error) {
      const code = error instanceof Error ? error.name : 'unknown';
      outcomes[arn] = { status: 'failed', code };
      deps.logger.error('redrive failed', { stage: 'redrive', deadLetterArn: arn, code });
    }
  }
  return outcomes;
}
