import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createPipelineQueues } from '../../local/aws/createPipelineQueues';
import type { LocalAws } from '../../local/aws/startLocalAws';

let scopes = 0;

/**
 * A test's own pipeline queues and payload bucket on local SQS and S3 that a file started once
 * (`startLocalAws` in `beforeAll`): what one test sends, dead-letters or stores, no other test
 * sees. Queues are new rather than purged (the local SQS allows one PurgeQueue per queue per
 * 60 s). `stop()` leaves the servers running: the file stops them with the `LocalAws` it started.
 */
export async function scopeLocalAws(
  shared: LocalAws,
  options: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {},
): Promise<LocalAws> {
  scopes += 1;
  const scope = `t${scopes}`;
  const bucket = `${shared.bucket}-${scope}`;
  const [queues] = await Promise.all([
    createPipelineQueues(shared.sqs, {
      prefix: `dsr-${scope}`,
      maxReceiveCount: options.maxReceiveCount ?? 5,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
    }),
    shared.s3.send(new CreateBucketCommand({ Bucket: bucket })),
  ]);
  return { ...shared, bucket, queues, stop: async () => {} };
}
