import { SqsMessageQueue } from '../../adapters/aws/SqsMessageQueue';
import { createAwsClients } from '../../adapters/aws/sqsClients';
import { readConfig } from '../../shared/config/readConfig';
import { redriveStage } from '../../shared/pipeline/stages/redriveStage';
import { createLogger } from '../../shared/telemetry/createLogger';
import type { StageRuntime } from '../common/StageRuntime';
import { redriveEnv } from './redriveEnv';

/**
 * The redrive function, run by the schedule in the maintenance window: starts a message move task
 * from every dead-letter queue back to its source queue. Returns each queue's outcome.
 */
export function createRedriveHandler(rawEnv: NodeJS.ProcessEnv, runtime: StageRuntime = {}) {
  let deps: Parameters<typeof redriveStage>[0] | undefined;
  return async (_event: unknown) => {
    deps ??= build(rawEnv, runtime);
    return redriveStage(deps);
  };
}

function build(rawEnv: NodeJS.ProcessEnv, runtime: StageRuntime): Parameters<typeof redriveStage>[0] {
  const env = readConfig(redriveEnv, rawEnv);
  const arns = env.DEAD_LETTER_QUEUE_ARNS;
  const sqs =
    runtime.sqs ??
    createAwsClients({
      ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
      ...(env.DSR_SQS_ENDPOINT ? { sqsEndpoint: env.DSR_SQS_ENDPOINT } : {}),
    }).sqs;
  const mover = new SqsMessageQueue(sqs);
  const logger = createLogger({ ...(runtime.logSink ? { sink: runtime.logSink } : {}) });
  return { deadLetterArns: arns, mover, logger };
}
