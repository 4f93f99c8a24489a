import { Duration, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { PipelineQueue } from '../../infra/constructs/PipelineQueue';
import type { DsrBridgeStack } from '../../infra/DsrBridgeStack';
import { logicalId, synthesize } from './synthesize';

const PAGERDUTY = 'https://events.pagerduty.com/integration/abc123/enqueue';

let stack: DsrBridgeStack;
let template: Template;

beforeAll(() => {
  const built = synthesize({ pagerDutyUrl: PAGERDUTY });
  stack = built.stack;
  template = built.template();
});

/** Policy statements attached to a function's role, flattened. */
function statementsOf(
  fn: keyof DsrBridgeStack['functions'],
): { Action: string | string[]; Resource: unknown }[] {
  const roleId = logicalId(stack, stack.functions[fn].role);
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  });
  return Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: never[] } } }).Properties.PolicyDocument.Statement,
  );
}
const actionsOf = (fn: keyof DsrBridgeStack['functions']) =>
  statementsOf(fn).flatMap((s) => [s.Action].flat());
const resourcesFor = (fn: keyof DsrBridgeStack['functions'], action: string) =>
  JSON.stringify(
    statementsOf(fn)
      .filter((s) => [s.Action].flat().includes(action))
      .map((s) => s.Resource),
  );

describe('Stack: DsrBridgeStack', () => {
  describe('cdk-nag', () => {
    it('synthesises with no unacknowledged AWS Solutions finding', () => {
      const { app } = synthesize({ pagerDutyUrl: PAGERDUTY });
      expect(() => app.synth()).not.toThrow();
    });

    it('synthesises clean with a VPC and PostgreSQL rotation too', () => {
      const { app } = synthesize(
        {},
        {
          vpcId: 'vpc-0a1b2c3d4e5f60789',
          availabilityZones: 'eu-west-1a,eu-west-1b',
          privateSubnetIds: 'subnet-0a1b2c3d4e5f60781,subnet-0a1b2c3d4e5f60782',
          securityGroupIds: 'sg-0a1b2c3d4e5f60789',
          rotatePostgresSecret: 'true',
        },
      );
      expect(() => app.synth()).not.toThrow();
    });

    it('fails the synth when a finding is not acknowledged', () => {
      const { app, stack: fresh } = synthesize();
      // A plain secret added without a reason must be caught by the gate.
      new secretsmanager.Secret(fresh, 'Unacknowledged');
      expect(() => app.synth()).toThrow(/AwsSolutions-SMG4/);
    });
  });

  describe('encryption', () => {
    it('encrypts every queue with the customer-managed key and refuses non-TLS requests', () => {
      const keyRef = { 'Fn::GetAtt': [logicalId(stack, stack.key), 'Arn'] };
      const queues = template.findResources('AWS::SQS::Queue');
      expect(Object.keys(queues)).toHaveLength(8);
      for (const queue of Object.values(queues)) {
        expect((queue as { Properties: { KmsMasterKeyId: unknown } }).Properties.KmsMasterKeyId).toEqual(
          keyRef,
        );
      }
      const policies = template.findResources('AWS::SQS::QueuePolicy', {
        Properties: {
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        },
      });
      expect(Object.keys(policies)).toHaveLength(8);
    });

    it('rotates the key, and encrypts the alarm topic, the secrets and the log groups with it', () => {
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      const keyArn = { 'Fn::GetAtt': [logicalId(stack, stack.key), 'Arn'] };
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: keyArn });
      expect(
        Object.values(template.findResources('AWS::SecretsManager::Secret')).every((s) =>
          JSON.stringify(s).includes(logicalId(stack, stack.key)),
        ),
      ).toBe(true);
      const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
      expect(logGroups).toHaveLength(5);
      for (const group of logGroups) expect(JSON.stringify(group)).toContain(logicalId(stack, stack.key));
    });

    it('keeps failed payloads SSE-KMS with a bucket key, private, versioned, logged, expiring and retained', () => {
      const id = logicalId(stack, stack.payloads.bucket);
      template.hasResource('AWS::S3::Bucket', {
        DeletionPolicy: 'Retain',
        Properties: {
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              Match.objectLike({
                BucketKeyEnabled: true,
                ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }),
              }),
            ],
          },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          VersioningConfiguration: { Status: 'Enabled' },
          LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'failed-payloads/' }),
          LifecycleConfiguration: {
            Rules: Match.arrayWith([
              Match.objectLike({
                ExpirationInDays: 400,
                NoncurrentVersionExpiration: { NoncurrentDays: 30 },
              }),
            ]),
          },
        },
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });
  });

  describe('queues and event sources', () => {
    it('gives every stage queue a dead-letter queue kept 14 days, after 5 receives', () => {
      for (const q of Object.values(stack.queues)) {
        const queue = template.findResources('AWS::SQS::Queue')[logicalId(stack, q.queue)] as {
          Properties: Record<string, unknown>;
        };
        expect(queue.Properties.RedrivePolicy).toEqual({
          deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack, q.deadLetterQueue), 'Arn'] },
          maxReceiveCount: 5,
        });
        const dlq = template.findResources('AWS::SQS::Queue')[logicalId(stack, q.deadLetterQueue)] as {
          Properties: Record<string, unknown>;
        };
        expect(dlq.Properties.MessageRetentionPeriod).toBe(1_209_600);
      }
    });

    it("sets each queue's visibility timeout to six times its consumer's timeout", () => {
      const fns = template.findResources('AWS::Lambda::Function');
      const timeoutOf = (fn: keyof DsrBridgeStack['functions']) =>
        (fns[logicalId(stack, stack.functions[fn].function)] as { Properties: { Timeout: number } })
          .Properties.Timeout;
      const queues = template.findResources('AWS::SQS::Queue');
      const visibilityOf = (q: keyof DsrBridgeStack['queues']) =>
        (queues[logicalId(stack, stack.queues[q].queue)] as { Properties: { VisibilityTimeout: number } })
          .Properties.VisibilityTimeout;
      expect(visibilityOf('high')).toBe(6 * timeoutOf('extractHigh'));
      expect(visibilityOf('standard')).toBe(6 * timeoutOf('extractStandard'));
      expect(visibilityOf('gate')).toBe(6 * timeoutOf('gate'));
      expect(visibilityOf('load')).toBe(6 * timeoutOf('load'));
    });

    it('reports batch item failures on every event source, with more concurrency for the high queue', () => {
      const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as {
        Properties: {
          FunctionResponseTypes: string[];
          ScalingConfig: { MaximumConcurrency: number };
          EventSourceArn: unknown;
        };
      }[];
      expect(mappings).toHaveLength(4);
      for (const m of mappings)
        expect(m.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      const concurrencyOf = (q: keyof DsrBridgeStack['queues']) =>
        mappings.find((m) =>
          JSON.stringify(m.Properties.EventSourceArn).includes(logicalId(stack, stack.queues[q].queue)),
        )?.Properties.ScalingConfig.MaximumConcurrency;
      expect(concurrencyOf('high')).toBe(20);
      expect(concurrencyOf('standard')).toBe(5);
    });

    it('runs every function on Node 22, ARM64', () => {
      const fns = Object.values(template.findResources('AWS::Lambda::Function')) as {
        Properties: Record<string, unknown>;
      }[];
      expect(fns).toHaveLength(5);
      for (const fn of fns)
        expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    });
  });

  describe('least privilege', () => {
    it('lets the extractors read only the PostgreSQL secret and the hash key', () => {
      const read = resourcesFor('extractHigh', 'secretsmanager:GetSecretValue');
      expect(read).toContain(logicalId(stack, stack.secrets.postgres as never));
      expect(read).toContain(logicalId(stack, stack.secrets.subjectHashKey as never));
      expect(read).not.toContain(logicalId(stack, stack.secrets.snowflake as never));
      expect(read).not.toContain(logicalId(stack, stack.secrets.pagerDutyRoutingKey as never));
    });

    it('keeps PostgreSQL credentials from the loader and queue sends to the next stage only', () => {
      expect(resourcesFor('load', 'secretsmanager:GetSecretValue')).not.toContain(
        logicalId(stack, stack.secrets.postgres as never),
      );
      const sends = resourcesFor('extractHigh', 'sqs:SendMessage');
      expect(sends).toContain(logicalId(stack, stack.queues.gate.queue));
      expect(sends).not.toContain(logicalId(stack, stack.queues.load.queue));
      expect(sends).not.toContain(logicalId(stack, stack.queues.high.queue));
      expect(resourcesFor('extractStandard', 'sqs:SendMessage')).toContain(
        logicalId(stack, stack.queues.high.queue),
      );
    });

    it('never lets a function delete payloads, and uses no wildcard resource but object keys', () => {
      for (const fn of Object.keys(stack.functions) as (keyof DsrBridgeStack['functions'])[]) {
        expect(actionsOf(fn).filter((a) => a.startsWith('s3:Delete'))).toEqual([]);
        for (const s of statementsOf(fn)) expect(s.Resource).not.toBe('*');
      }
    });

    it('lets redrive start message move tasks on the dead-letter queues only', () => {
      const resources = resourcesFor('redrive', 'sqs:StartMessageMoveTask');
      for (const q of Object.values(stack.queues)) {
        expect(resources).toContain(logicalId(stack, q.deadLetterQueue));
        expect(resources).not.toContain(`"${logicalId(stack, q.queue)}"`);
      }
    });
  });

  describe('schedule and alarms', () => {
    it('runs redrive in the maintenance window', () => {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 3 ? * SUN *)',
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(stack, stack.functions.redrive.function), 'Arn'] },
        }),
      });
    });

    it('pages PagerDuty through the encrypted topic on ALARM and resolves on OK', () => {
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: PAGERDUTY });
      const topic = { Ref: logicalId(stack, stack.alerting.topic) };
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
        Properties: Record<string, unknown>;
      }[];
      // 4 dead-letter queues, 2 intake ages, errors and throttles of 5 functions, the gate violation.
      expect(alarms).toHaveLength(17);
      for (const alarm of alarms)
        expect(alarm.Properties).toMatchObject({ AlarmActions: [topic], OKActions: [topic] });
    });

    it('alarms on any dead-lettered message, old intake messages and any gate violation', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [logicalId(stack, stack.queues.high.deadLetterQueue), 'QueueName'] },
          },
        ],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateAgeOfOldestMessage',
        Threshold: 3600,
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [logicalId(stack, stack.queues.standard.queue), 'QueueName'] },
          },
        ],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'DsrBridge',
        MetricName: 'ComplianceGateViolation',
        Threshold: 1,
      });
    });

    it('has a dashboard of queue depths, ages, stage durations and gate violations', () => {
      const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
      for (const title of [
        'Queue depth',
        'Oldest message age',
        'Stage duration',
        'Compliance gate violations',
      ]) {
        expect(body).toContain(title);
      }
    });
  });

  describe('props', () => {
    it('fails if the visibility timeout is below six times the consumer timeout, stating the values', () => {
      const scope = new Stack();
      const key = new kms.Key(scope, 'K');
      expect(
        () =>
          new PipelineQueue(scope, 'Q', {
            encryptionKey: key,
            consumerTimeout: Duration.seconds(60),
            visibilityTimeout: Duration.seconds(120),
          }),
      ).toThrow(
        "Q: visibilityTimeout must be at least six times the consumer's timeout (60 s × 6 = 360 s; given 120 s)",
      );
    });

    it('fails if maxReceiveCount is out of range', () => {
      expect(() => synthesize({ maxReceiveCount: 0 })).toThrow(
        'maxReceiveCount must be an integer between 1 and 1000 inclusive (given 0)',
      );
    });

    it('fails if the high queue would get no more concurrency than the standard one', () => {
      expect(() => synthesize({ highConcurrency: 5, standardConcurrency: 5 })).toThrow(
        'highConcurrency must be above standardConcurrency (given 5 ≤ 5)',
      );
      expect(() => synthesize({ standardConcurrency: 1 })).toThrow(
        'standardConcurrency must be an integer between 2 and 1000 inclusive (given 1)',
      );
    });

    it('fails on a maintenance window that is not a cron expression, and on a non-HTTPS PagerDuty URL', () => {
      expect(() => synthesize({ maintenanceWindow: 'every sunday' })).toThrow(
        /maintenanceWindow must be an EventBridge Scheduler cron/,
      );
      expect(() => synthesize({ pagerDutyUrl: 'http://example.com' })).toThrow(
        /pagerDutyUrl must be an https:\/\/ URL/,
      );
    });

    it('fails if a VPC is given without matching subnets and zones', () => {
      expect(() =>
        synthesize(
          {},
          { vpcId: 'vpc-1', privateSubnetIds: 'subnet-0a1b2c3d4e5f60781', availabilityZones: 'a,b' },
        ),
      ).toThrow(
        'context vpcId needs privateSubnetIds and availabilityZones of the same length (given 1 subnets, 2 zones)',
      );
    });

    it('uses existing secrets when their ARNs are given, and creates none', () => {
      const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:111111111111:secret:${name}-AbCdEf`;
      const { template: t } = synthesize({
        postgresSecretArn: arn('pg'),
        snowflakeSecretArn: arn('sf'),
        subjectHashKeySecretArn: arn('hash'),
        pagerDutyRoutingKeySecretArn: arn('pd'),
      });
      t().resourceCountIs('AWS::SecretsManager::Secret', 0);
    });

    it('attaches the extractors to the VPC given by context', () => {
      const { stack: s, template: t } = synthesize(
        {},
        {
          vpcId: 'vpc-0a1b2c3d4e5f60789',
          availabilityZones: 'eu-west-1a',
          privateSubnetIds: 'subnet-0a1b2c3d4e5f60781',
          securityGroupIds: 'sg-0a1b2c3d4e5f60789',
        },
      );
      const fn = t().findResources('AWS::Lambda::Function')[
        logicalId(s, s.functions.extractHigh.function)
      ] as { Properties: Record<string, unknown> };
      expect(fn.Properties.VpcConfig).toEqual({
        SecurityGroupIds: ['sg-0a1b2c3d4e5f60789'],
        SubnetIds: ['subnet-0a1b2c3d4e5f60781'],
      });
    });
  });
});
