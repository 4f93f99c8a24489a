import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface FailedPayloadBucketProps {
  readonly encryptionKey: kms.IKey;
  /** Days a quarantined payload is kept, between 30 and 3650. @default 400 */
  readonly retentionDays?: number;
}

/**
 * Where quarantined payloads and large claim-check payloads are kept: SSE-KMS with a bucket key,
 * no public access, TLS only, versioned, server access logs, expiry by lifecycle rule, and never
 * deleted with the stack (it holds evidence).
 */
export class FailedPayloadBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: FailedPayloadBucketProps) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? 400;
    if (!Number.isInteger(retentionDays) || retentionDays < 30 || retentionDays > 3650) {
      throw new Error(
        `${id}: retentionDays must be an integer between 30 and 3650 inclusive (given ${retentionDays})`,
      );
    }
    // Server access logs cannot go to a KMS-encrypted bucket: S3-managed encryption is the documented option.
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(retentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'failed-payloads/',
      lifecycleRules: [
        {
          id: 'expire',
          expiration: Duration.days(retentionDays),
          noncurrentVersionExpiration: Duration.days(30),
        },
        { id: 'abort-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
