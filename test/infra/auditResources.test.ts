import { Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { deadlineCheckEnv } from '../../functions/deadline-check/deadlineCheckEnv';
import { AnchorBucket } from '../../infra/constructs/AnchorBucket';
import type { DsrBridgeStack } from '../../infra/DsrBridgeStack';
import { logicalId, synthesize, testApp } from './synthesize';

let stack: DsrBridgeStack;
let template: Template;

beforeAll(() => {
  const built = synthesize({ pagerDutyUrl: 'https://events.pagerduty.com/integration/abc123/enqueue' });
  stack = built.stack;
  template = built.template();
});

describe('Construct: AnchorBucket (ledger anchors)', () => {
  it('locks every anchor in COMPLIANCE mode for two years by default, versioned, encrypted, TLS only, private', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 730 } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'ledger-anchors/' }),
    });
    const id = logicalId(stack, stack.bridge.anchors.bucket);
    expect(template.toJSON().Resources[id]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    // No lifecycle rule may expire an anchor.
    expect(template.toJSON().Resources[id].Properties.LifecycleConfiguration).toBeUndefined();
  });

  it('takes a configurable retention', () => {
    const built = synthesize({ anchorRetentionDays: 3650 });
    built.template().hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 3650 } } },
    });
  });

  it('fails if the retention is not a whole number of days in range', () => {
    const scope = new Stack(testApp(), 'Scope');
    const key = new kms.Key(scope, 'Key');
    const accessLogs = new s3.Bucket(scope, 'Logs');
    expect(() => new AnchorBucket(scope, 'A', { encryptionKey: key, accessLogs, retentionDays: 0 })).toThrow(
      'A: retentionDays must be an integer between 1 and 36500 inclusive (given 0)',
    );
    expect(
      () => new AnchorBucket(scope, 'B', { encryptionKey: key, accessLogs, retentionDays: 1.5 }),
    ).toThrow(/given 1.5/);
  });

  it('lets no role delete an anchor or change its retention or legal hold', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const bucketId = logicalId(stack, stack.bridge.anchors.bucket);
    const actionsOnAnchors = Object.values(policies).flatMap((p) =>
      (
        p as {
          Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } };
        }
      ).Properties.PolicyDocument.Statement.filter((s) =>
        JSON.stringify(s.Resource).includes(bucketId),
      ).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])),
    );
    expect([...new Set(actionsOnAnchors)].sort()).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
  });
});

describe('Function: DeadlineCheck', () => {
  it('runs hourly from EventBridge Scheduler', () => {
    const fnId = logicalId(stack, stack.bridge.functions.deadlineCheck.function);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } }),
    });
  });

  it('is configured with the anchor bucket and the default alarm share, which its schema accepts', () => {
    const env = stack.bridge.functions.deadlineCheck.environment;
    expect(env.DSR_DEADLINE_ALARM_SHARE).toBe('0.8');
    expect(env.ANCHOR_BUCKET).toBe(stack.bridge.anchors.bucket.bucketName);
    expect(env.PAYLOAD_BUCKET).toBe(stack.bridge.payloads.bucket.bucketName);
    const parsed = deadlineCheckEnv.safeParse({
      ANCHOR_BUCKET: 'anchors-bucket',
      PAYLOAD_BUCKET: 'payload-bucket',
      DSR_DEADLINE_ALARM_SHARE: '0.8',
    });
    expect(parsed.success).toBe(true);
    expect(
      deadlineCheckEnv.safeParse({ PAYLOAD_BUCKET: 'payload-bucket', DSR_DEADLINE_ALARM_SHARE: '0.8' })
        .success,
    ).toBe(false);
  });

  it('fails if the alarm share is outside (0, 1] or a holiday is not a date', () => {
    expect(() => synthesize({ deadlineAlarmShare: 1.5 })).toThrow(
      'deadlineAlarmShare must be above 0 and at most 1 (given 1.5)',
    );
    expect(() => synthesize({ holidays: ['25 Dec'] })).toThrow('holidays must be dates as YYYY-MM-DD');
  });

  it('puts open requests by days left on the dashboard', () => {
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(Object.values(dashboards)[0]);
    expect(body).toContain('Open requests by days left to their deadline');
    expect(body).toContain('OpenRequests');
    expect(body).toContain('overdue');
  });
});
