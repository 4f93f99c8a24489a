import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AnchorStore, LedgerAnchor } from '../../shared/audit/LedgerAnchor';
import { awsCall } from './classifyAwsError';

const KEY = /^anchors\/(\d{4}-\d{2}-\d{2})\.json$/;

/**
 * Anchors in the Object Lock bucket, `anchors/<date>.json`. The bucket's default retention
 * (compliance mode) protects every version for its retention period: no one, the root user
 * included, can delete or overwrite it. `IfNoneMatch: '*'` makes a second anchor of one day fail
 * instead of adding a version.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
export class S3AnchorStore implements AnchorStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(anchor: LedgerAnchor): Promise<void> {
    const body = `${JSON.stringify(anchor, null, 2)}\n`;
    await awsCall('s3', 'PutObject', () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: `anchors/${anchor.date}.json`,
          Body: body,
          ContentType: 'application/json',
          IfNoneMatch: '*',
          // Object Lock requires an integrity checksum on every put.
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: createHash('sha256').update(body, 'utf8').digest('base64'),
        }),
      ),
    );
  }

  async list(): Promise<{ date: string; text: string }[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall('s3', 'ListObjectsV2', () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: 'anchors/', ContinuationToken: token }),
        ),
      );
      for (const o of page.Contents ?? []) if (o.Key && KEY.test(o.Key)) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    keys.sort();
    return Promise.all(
      keys.map(async (key) => {
        const object = await awsCall('s3', 'GetObject', () =>
          this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' })),
        );
        return {
          date: KEY.exec(key)?.[1] ?? key,
          text: (await object.Body?.transformToString('utf8')) ?? '',
        };
      }),
    );
  }
}
