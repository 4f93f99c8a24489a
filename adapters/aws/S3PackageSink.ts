import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { PackageSink, PackageSinkFile } from '../../shared/report/package/PackageSink';
import { awsCall } from './classifyAwsError';

export interface S3PackageSinkOptions {
  readonly bucket: string;
  /** `packages/<request id>/`: every file's key starts with it. */
  readonly prefix: string;
  /** The KMS key (`PAYLOAD_KMS_KEY_ARN`); objects are put with SSE-KMS under it when given. */
  readonly kmsKeyId?: string;
  /**
   * Bytes held per file before a part is sent; a file no larger is one PutObject. S3 takes parts of
   * at least 5 MiB (but the last). @default 8 MiB
   */
  readonly partBytes?: number;
}

const MIN_PART_BYTES = 5 * 1024 * 1024;

/** What the subject's browser is told each file is (the portal hands out pre-signed URLs). */
function contentType(path: string): string {
  if (path.endsWith('.html')) return 'text/html; charset=utf-8';
  if (path.endsWith('.csv')) return 'text/csv; charset=utf-8';
  return 'application/json';
}

/**
 * A package written into the payload bucket under `packages/<request id>/`, each file streamed:
 * held up to `partBytes`, then sent as parts of a multipart upload (a smaller file is one
 * PutObject), so memory is a part per open file whatever the package's size. Every object and
 * part is put with SSE-KMS and an S3 SHA-256 checksum, which S3 verifies on upload. A failed file's
 * multipart upload is aborted (the bucket's lifecycle rule removes any it could not abort); what
 * an earlier attempt wrote stays until this one overwrites it: the manifest, written last, marks a
 * whole package. Errors are classified with the dependency `s3`.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
 */
export class S3PackageSink implements PackageSink {
  readonly location: string;
  private readonly partBytes: number;

  constructor(
    private readonly client: S3Client,
    private readonly options: S3PackageSinkOptions,
  ) {
    if (!/^packages\/[^/]+\/$/.test(options.prefix))
      throw new Error(`S3PackageSink: the prefix must be packages/<request id>/ (given ${options.prefix})`);
    this.partBytes = Math.max(MIN_PART_BYTES, options.partBytes ?? 8 * 1024 * 1024);
    this.location = `s3://${options.bucket}/${options.prefix}`;
  }

  async prepare(): Promise<void> {}

  /** The bucket keeps what it holds: only the erase function may delete objects. */
  async discard(): Promise<void> {}

  open(path: string): PackageSinkFile {
    const { client, options, partBytes } = this;
    const key = `${options.prefix}${path}`;
    const encryption = {
      ServerSideEncryption: 'aws:kms' as const,
      ...(options.kmsKeyId ? { SSEKMSKeyId: options.kmsKeyId, BucketKeyEnabled: true } : {}),
    };
    let held: Buffer[] = [];
    let heldBytes = 0;
    let uploadId: string | undefined;
    const parts: CompletedPart[] = [];

    const sendPart = async () => {
      const body = Buffer.concat(held, heldBytes);
      held = [];
      heldBytes = 0;
      if (uploadId === undefined) {
        const created = await awsCall('s3', 'CreateMultipartUpload', () =>
          client.send(
            new CreateMultipartUploadCommand({
              Bucket: options.bucket,
              Key: key,
              ContentType: contentType(path),
              ChecksumAlgorithm: 'SHA256',
              ...encryption,
            }),
          ),
        );
        uploadId = created.UploadId;
      }
      const PartNumber = parts.length + 1;
      const ChecksumSHA256 = createHash('sha256').update(body).digest('base64');
      const sent = await awsCall('s3', 'UploadPart', () =>
        client.send(
          new UploadPartCommand({
            Bucket: options.bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber,
            Body: body,
            ChecksumAlgorithm: 'SHA256',
            ChecksumSHA256,
          }),
        ),
      );
      parts.push({ PartNumber, ETag: sent.ETag, ChecksumSHA256 });
    };

    return {
      async write(chunk) {
        held.push(chunk);
        heldBytes += chunk.length;
        if (heldBytes >= partBytes) await sendPart();
      },
      async close() {
        if (uploadId === undefined) {
          const body = Buffer.concat(held, heldBytes);
          held = [];
          heldBytes = 0;
          await awsCall('s3', 'PutObject', () =>
            client.send(
              new PutObjectCommand({
                Bucket: options.bucket,
                Key: key,
                Body: body,
                ContentType: contentType(path),
                ChecksumAlgorithm: 'SHA256',
                ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
                ...encryption,
              }),
            ),
          );
          return;
        }
        if (heldBytes > 0) await sendPart();
        await awsCall('s3', 'CompleteMultipartUpload', () =>
          client.send(
            new CompleteMultipartUploadCommand({
              Bucket: options.bucket,
              Key: key,
              UploadId: uploadId,
              MultipartUpload: { Parts: parts },
            }),
          ),
        );
      },
      async abort() {
        held = [];
        heldBytes = 0;
        if (uploadId === undefined) return;
        const id = uploadId;
        uploadId = undefined;
        await client
          .send(new AbortMultipartUploadCommand({ Bucket: options.bucket, Key: key, UploadId: id }))
          .catch(() => undefined);
      },
    };
  }
}
