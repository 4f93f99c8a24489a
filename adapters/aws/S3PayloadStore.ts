import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PayloadPointer, PayloadStore, StoredPayload } from '../../shared/pipeline/PayloadStore';

export interface S3PayloadStoreOptions {
  readonly bucket: string;
  /** The KMS key (`PAYLOAD_KMS_KEY_ARN`); objects are put with SSE-KMS under it when given. */
  readonly kmsKeyId?: string;
}

/**
 * The payload bucket over S3. Every object is written with `ServerSideEncryption: 'aws:kms'`, under
 * the configured key when there is one (the bucket policy refuses anything else).
 */
export class S3PayloadStore implements PayloadStore {
  constructor(
    private readonly client: S3Client,
    private readonly options: S3PayloadStoreOptions,
  ) {}

  async put(
    key: string,
    body: string,
    metadata: Readonly<Record<string, string>> = {},
  ): Promise<PayloadPointer> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json',
        ServerSideEncryption: 'aws:kms',
        ...(this.options.kmsKeyId ? { SSEKMSKeyId: this.options.kmsKeyId, BucketKeyEnabled: true } : {}),
        Metadata: { ...metadata },
      }),
    );
    return { bucket: this.options.bucket, key };
  }

  async get(pointer: PayloadPointer): Promise<StoredPayload | undefined> {
    try {
      const result = await this.client.send(
        new GetObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }),
      );
      const body = (await result.Body?.transformToString('utf-8')) ?? '';
      return { body, metadata: result.Metadata ?? {} };
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }
}
