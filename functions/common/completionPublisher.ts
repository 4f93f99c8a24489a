import { SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { SnsCompletionPublisher } from '../../adapters/aws/SnsCompletionPublisher';
import { readConfig } from '../../shared/config/readConfig';
import type { Ledger } from '../../shared/ledger/Ledger';
import { PublishingLedger } from '../../shared/pipeline/PublishingLedger';
import { optional } from './envSchemas';
import type { StageRuntime } from './StageRuntime';

/** The completion topic, for the functions that write terminal states (gate, load, erase, recorder). */
export const completionEnv = z.object({
  COMPLETION_TOPIC_ARN: optional(
    z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, 'must be an SNS topic ARN'),
  ),
  AWS_REGION: optional(z.string().min(1)),
});

/**
 * The function's ledger, publishing a completion event on every terminal state: to the runtime's
 * publisher (the local runtime), else to `COMPLETION_TOPIC_ARN`; unchanged when neither is given.
 * Parsed at cold start, so a malformed ARN fails the start with the variable's name.
 */
export function withCompletions(
  ledger: Ledger,
  rawEnv: NodeJS.ProcessEnv,
  runtime: StageRuntime,
  packageBucket: string,
): Ledger {
  const env = readConfig(completionEnv, rawEnv);
  const publisher =
    runtime.completions ??
    (env.COMPLETION_TOPIC_ARN
      ? new SnsCompletionPublisher(
          new SNSClient(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
          env.COMPLETION_TOPIC_ARN,
        )
      : undefined);
  return publisher
    ? new PublishingLedger(ledger, publisher, { packageBucket, ...(runtime.now ? { now: runtime.now } : {}) })
    : ledger;
}
