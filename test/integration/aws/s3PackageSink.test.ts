import { createHash } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3PackageSink } from '../../../adapters/aws/S3PackageSink';
import { type LocalAws, startLocalAws } from '../../../local/aws/startLocalAws';
import { PackageFile } from '../../../shared/report/package/PackageFile';

let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws();
});

afterAll(async () => {
  await aws?.stop();
});

async function objectOf(key: string): Promise<{ body: Buffer; contentType: string | undefined }> {
  const got = await aws.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
  return {
    body: Buffer.from(await (got.Body?.transformToByteArray() ?? new Uint8Array())),
    contentType: got.ContentType,
  };
}

describe('Class: S3PackageSink', () => {
  it('streams a file larger than a part as a multipart upload, and a small one as one object, byte for byte', async () => {
    // Prepare: parts of 5 MiB (S3's least), a file of 12 MiB written in 256 KiB chunks.
    const sink = new S3PackageSink(aws.s3, { bucket: aws.bucket, prefix: 'packages/REQ-S3/', partBytes: 1 });
    const large = new PackageFile(sink, 'data/events.csv');
    const chunk = `${'x'.repeat(255)}\n`.repeat(1024);
    for (let i = 0; i < 48; i++) await large.write(`${i}${chunk}`);
    // Act
    const written = await large.close();
    const small = await PackageFile.write(sink, 'index.html', '<p>Ihre Daten</p>\n');
    // Assess: the bucket holds what the manifest would list.
    for (const [file, type] of [
      [written, 'text/csv; charset=utf-8'],
      [small, 'text/html; charset=utf-8'],
    ] as const) {
      const object = await objectOf(`packages/REQ-S3/${file.path}`);
      expect(object.body.length).toBe(file.bytes);
      expect(createHash('sha256').update(object.body).digest('hex')).toBe(file.sha256);
      expect(object.contentType).toBe(type);
    }
    expect(written.bytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(sink.location).toBe(`s3://${aws.bucket}/packages/REQ-S3/`);
  });

  it('fails if the prefix is not one request’s package folder', () => {
    expect(() => new S3PackageSink(aws.s3, { bucket: aws.bucket, prefix: 'claim-check/REQ-1/' })).toThrow(
      /packages\/<request id>\//,
    );
  });
});
