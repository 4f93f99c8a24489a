import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { IntegrityViolationError } from '../../shared/errors/IntegrityViolationError';
import type { PayloadPointer, PayloadStore, StoredPayload } from '../../shared/payload/PayloadStore';
import { awsCall, classifyAwsError } from './classifyAwsError';

export interface S3PayloadStoreOptions {
  readonly bucket: string;
  /** The KMS key (`PAYLOAD_KMS_KEY_ARN`); objects are put with SSE-KMS under it when given. */
  readonly kmsKeyId?: string;
  /** Keys asked for per ListObjectsV2 page (S3 answers at most 1,000). @default 1000 */
  readonly listPageSize?: number;
}

/** User metadata holding the SHA-256 (hex) of the body as it was written. */
export const CONTENT_SHA256 = 'content-sha256';

/**
 * The payload bucket over S3. Every object is written with `ServerSideEncryption: 'aws:kms'`, under
 * the configured key when there is one (the bucket policy refuses anything else), and with an S3
 * checksum (`ChecksumAlgorithm: SHA256`, which S3 verifies on upload and returns on a read with
 * `ChecksumMode: ENABLED`, which the SDK verifies) plus the body's SHA-256 in its metadata, which
 * `get` compares with what it read: a body that does not match is refused as an integrity
 * violation, whatever the endpoint checks. Errors are classified with the dependency `s3`.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
export class S3PayloadStore implements PayloadStore {
  readonly bucket: string;

  constructor(
    private readonly client: S3Client,
    private readonly options: S3PayloadStoreOptions,
  ) {
    this.bucket = options.bucket;
  }

  async put(
    key: string,
    body: string,
    metadata: Readonly<Record<string, string>> = {},
  ): Promise<PayloadPointer> {
    const digest = createHash('sha256').update(body, 'utf8').digest();
    await awsCall('s3', 'PutObject', () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: digest.toString('base64'),
          ServerSideEncryption: 'aws:kms',
          ...(this.options.kmsKeyId ? { SSEKMSKeyId: this.options.kmsKeyId, BucketKeyEnabled: true } : {}),
          Metadata: { ...metadata, [CONTENT_SHA256]: digest.toString('hex') },
        }),
      ),
    );
    return { bucket: this.options.bucket, key };
  }

  async get(pointer: PayloadPointer): Promise<StoredPayload | undefined> {
    let body: string;
    let metadata: Record<string, string>;
    try {
      const result = await this.client.send(
        new GetObjectCommand({ Bucket: pointer.bucket, Key: pointer.key, ChecksumMode: 'ENABLED' }),
      );
      // The SDK verifies S3's checksum while the body streams: a mismatch throws here.
      body = (await result.Body?.transformToString('utf-8')) ?? '';
      metadata = result.Metadata ?? {};
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      if (/checksum mismatch/i.test(error instanceof Error ? error.message : ''))
        throw new IntegrityViolationError(
          'payload_checksum_mismatch',
          'S3 reported a checksum that does not match the body read',
        );
      throw classifyAwsError('s3', 'GetObject', error);
    }
    const expected = metadata[CONTENT_SHA256];
    if (expected !== undefined && createHash('sha256').update(body, 'utf8').digest('hex') !== expected) {
      throw new IntegrityViolationError(
        'payload_checksum_mismatch',
        'the object read back does not match the checksum it was written with',
      );
    }
    return { body, metadata };
  }

  /**
   * ListObjectsV2 page by page, following `NextContinuationToken`; only the keys of the page in hand
   * are held. https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
   */
  async *list(prefix: string): AsyncIterable<readonly string[]> {
    let token: string | undefined;
    do {
      const page = await awsCall('s3', 'ListObjectsV2', () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: prefix,
            MaxKeys: this.options.listPageSize ?? 1000,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key]));
      if (keys.length > 0) yield keys;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * DeleteObject. On a bucket without versioning the object is gone; S3 answers 204 whether or not
   * there was one. https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
   */
  async delete(key: string): Promise<void> {
    await awsCall('s3', 'DeleteObject', () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key })),
    );
  }
}
