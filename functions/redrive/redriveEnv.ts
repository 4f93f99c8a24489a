import { z } from 'zod';
import { forWhat, optional } from '../common/envSchemas';

/** What the redrive function reads from its environment. */
export const redriveEnv = z.object({
  DEAD_LETTER_QUEUE_ARNS: z
    .string(forWhat('the dead-letter queues to redrive (comma list of ARNs)'))
    .transform((v) =>
      v
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().startsWith('arn:', 'must be a comma list of queue ARNs')).min(1, 'is empty')),
  DSR_SQS_ENDPOINT: optional(z.url()),
  AWS_REGION: optional(z.string().min(1)),
});
export type RedriveEnv = z.output<typeof redriveEnv>;
