import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface AnchorBucketProps {
  readonly encryptionKey: kms.IKey;
  /** Where server access logs go. */
  readonly accessLogs: s3.IBucket;
  /**
   * Days each anchor is locked in compliance mode, between 1 and 36500. @default 730 (two years: the
   * CCPA regulations keep request records 24 months, 11 CCR §7101)
   */
  readonly retentionDays?: number;
}

/**
 * Where the daily ledger anchors go: S3 Object Lock in COMPLIANCE mode with a default retention, so
 * no one — the pipeline's roles, an administrator, the root user — can overwrite or delete an anchor
 * version before its retention ends. Versioned (Object Lock requires it), SSE-KMS, no public access,
 * TLS only, access logs, and kept when the stack is deleted.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
 */
export class AnchorBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly retentionDays: number;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: AnchorBucketProps) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? 730;
    if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 36500) {
      throw new Error(
        `${id}: retentionDays must be an integer between 1 and 36500 inclusive (given ${retentionDays})`,
      );
    }
    this.retentionDays = retentionDays;
    this.key = props.encryptionKey;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(retentionDays)),
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'ledger-anchors/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Write new anchors and read them back: `s3:PutObject`, `s3:GetObject` on `anchors/*` and
   * `s3:ListBucket`; no delete, no retention, legal-hold or version action (`grantPut` would add
   * `PutObjectRetention` and `PutObjectLegalHold`).
   */
  grantWriteAnchors(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [this.bucket.arnForObjects('anchors/*')],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
    );
    this.key.grantEncryptDecrypt(grantee);
  }
}
