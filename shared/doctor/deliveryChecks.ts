import { type DoctorCheck, fail, firstLine, pass } from './DoctorCheck';

/** Whether a queue or bucket answers, as the functions' SDK clients see it. */
export type ReachabilityProbe = (target: string) => Promise<void>;

/** A queue the function sends to (or consumes) answers `GetQueueAttributes`. */
export function queueReachable(
  probe: ReachabilityProbe,
  url: string,
  variable: string,
  functions: string,
): DoctorCheck {
  return {
    functions,
    name: `queue ${variable}`,
    run: async () => {
      try {
        await probe(url);
        return pass(url);
      } catch (error) {
        return fail(
          `${url}: ${firstLine(error)}`,
          `check that ${variable} names a queue of this account and region, and that the role may sqs:GetQueueAttributes and sqs:SendMessage on it (redeploy the stack if the queue was deleted)`,
        );
      }
    },
  };
}

/** The payload bucket answers `HeadBucket`. */
export function bucketReachable(probe: ReachabilityProbe, bucket: string, functions: string): DoctorCheck {
  return {
    functions,
    name: 'payload bucket PAYLOAD_BUCKET',
    run: async () => {
      try {
        await probe(bucket);
        return pass(bucket);
      } catch (error) {
        return fail(
          `${bucket}: ${firstLine(error)}`,
          'check that PAYLOAD_BUCKET names the stack’s FailedPayloads bucket, that you may s3:ListBucket on it, and that each function’s role may s3:GetObject in it and s3:PutObject under the prefixes it writes (README, Deploying)',
        );
      }
    },
  };
}
