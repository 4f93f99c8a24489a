import type { Command } from 'commander';
import { SqsMessageQueue } from '../../adapters/aws/SqsMessageQueue';
import { createAwsClients } from '../../adapters/aws/sqsClients';
import type { RedriveOutcome } from '../../shared/pipeline/MessageQueue';
import { CliError, EXIT } from '../CliError';
import { addFormatOption, type OutputFormat, writeResult } from '../OutputFormat';
import { sqsEndpointFromEnv } from './submit';

interface RedriveOptions {
  deadLetterArn: string[];
  format: OutputFormat;
}

/** One dead-letter queue's outcome, as `--format json` lists it. */
type QueueOutcome = { readonly deadLetterArn: string } & (
  | RedriveOutcome
  | { readonly status: 'failed'; readonly error: string }
);

/** arn:<partition>:sqs:<region>:<account>:<queue name> */
const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

/** `dsr redrive --dead-letter-arn ARN [--dead-letter-arn …]` */
export function registerRedrive(program: Command): void {
  const command = program
    .command('redrive')
    .description(
      'move the messages of each dead-letter queue back to its source queue (an SQS message move task); ' +
        'exit 1 when any queue could not be redriven',
    )
    .requiredOption('--dead-letter-arn <arn>', 'ARN of a dead-letter queue; repeat for more', collectArn)
    .addHelpText(
      'after',
      '\nThe SQS endpoint is DSR_SQS_ENDPOINT or AWS_ENDPOINT_URL_SQS when set (the local runtime), ' +
        'otherwise the SDK default for AWS_REGION.',
    );
  addFormatOption(command).action(async (options: RedriveOptions) => {
    const { sqs, s3 } = createAwsClients({ sqsEndpoint: sqsEndpointFromEnv() });
    const mover = new SqsMessageQueue(sqs);
    const queues: QueueOutcome[] = [];
    try {
      // One queue at a time, each on its own: one queue's failure does not stop the others.
      for (const arn of options.deadLetterArn) {
        let outcome: QueueOutcome;
        try {
          outcome = { deadLetterArn: arn, ...(await mover.redrive(arn)) };
        } catch (error) {
          outcome = {
            deadLetterArn: arn,
            status: 'failed',
            error: error instanceof Error ? error.message : String(error),
          };
        }
        queues.push(outcome);
        // As each queue is done, for a person; the whole list at the end for a program.
        if (options.format !== 'json') process.stdout.write(describeOutcome(outcome));
      }
    } finally {
      sqs.destroy();
      s3.destroy();
    }
    const failed = queues.filter((q) => q.status === 'failed').length;
    if (options.format === 'json') writeResult('json', { queues, failed }, () => '');
    if (failed > 0)
      throw new CliError(
        `${failed} of ${options.deadLetterArn.length} dead-letter queue${options.deadLetterArn.length === 1 ? '' : 's'} could not be redriven`,
        EXIT.failed,
      );
  });
}

function describeOutcome(outcome: QueueOutcome): string {
  const arn = outcome.deadLetterArn;
  switch (outcome.status) {
    case 'started':
      return `${arn}: started moving ${outcome.messages} message${outcome.messages === 1 ? '' : 's'} to ${outcome.destinationArn}\n`;
    case 'empty':
      return `${arn}: empty, nothing to move\n`;
    case 'already_running':
      return `${arn}: a move task is already running\n`;
    case 'failed':
      return `${arn}: failed: ${outcome.error}\n`;
  }
}

function collectArn(value: string, previous: string[] = []): string[] {
  if (!QUEUE_ARN.test(value))
    throw new CliError(
      `--dead-letter-arn takes an SQS queue ARN such as arn:aws:sqs:eu-west-1:123456789012:dsr-high-dlq`,
      EXIT.usage,
    );
  return [...previous, value];
}
