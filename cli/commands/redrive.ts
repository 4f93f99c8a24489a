import type { Command } from 'commander';
import { SqsMessageQueue } from '../../adapters/aws/SqsMessageQueue';
import { createAwsClients } from '../../adapters/aws/sqsClients';
import { CliError, EXIT } from '../CliError';
import { sqsEndpointFromEnv } from './submit';

interface RedriveOptions {
  deadLetterArn: string[];
}

/** arn:<partition>:sqs:<region>:<account>:<queue name> */
const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

/** `dsr redrive --dead-letter-arn ARN [--dead-letter-arn …]` */
export function registerRedrive(program: Command): void {
  program
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
    )
    .action(async (options: RedriveOptions) => {
      const { sqs, s3 } = createAwsClients({ sqsEndpoint: sqsEndpointFromEnv() });
      const mover = new SqsMessageQueue(sqs);
      let failed = 0;
      try {
        // One queue at a time, each on its own: one queue's failure does not stop the others.
        for (const arn of options.deadLetterArn) {
          try {
            const outcome = await mover.redrive(arn);
            process.stdout.write(
              outcome.status === 'started'
                ? `${arn}: started moving ${outcome.messages} message${outcome.messages === 1 ? '' : 's'} to ${outcome.destinationArn}\n`
                : outcome.status === 'empty'
                  ? `${arn}: empty, nothing to move\n`
                  : `${arn}: a move task is already running\n`,
            );
          } catch (error) {
            failed++;
            process.stdout.write(
              `${arn}: failed: ${error instanceof Error ? error.message : String(error)}\n`,
            );
          }
        }
      } finally {
        sqs.destroy();
        s3.destroy();
      }
      if (failed > 0)
        throw new CliError(
          `${failed} of ${options.deadLetterArn.length} dead-letter queue${options.deadLetterArn.length === 1 ? '' : 's'} could not be redriven`,
          EXIT.failed,
        );
    });
}

function collectArn(value: string, previous: string[] = []): string[] {
  if (!QUEUE_ARN.test(value))
    throw new CliError(
      `--dead-letter-arn takes an SQS queue ARN such as arn:aws:sqs:eu-west-1:123456789012:dsr-high-dlq`,
      EXIT.usage,
    );
  return [...previous, value];
}
