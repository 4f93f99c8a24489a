import { Duration, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { recorderEnv } from '../../functions/dead-letter-recorder/recorderEnv';
import { PipelineQueue } from '../../infra/constructs/PipelineQueue';
import type { DsrBridgeStack } from '../../infra/DsrBridgeStack';
import { DEFAULT_LOAD_RESERVE_MS, DEFAULT_PACKAGE_MS_PER_ROW } from '../../shared/pipeline/stages/loadStage';
import {
  COVERAGE_METRIC,
  TABLES_NOT_SCANNED_METRIC,
  UNMAPPED_PII_METRIC,
} from '../../shared/scan/coverageMetric';
import { ERASURE_DATA_MAP, logicalId, SNOWFLAKE_ERASURE_CONTEXT, synthesize, testApp } from './synthesize';

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
  fn: keyof DsrBridgeStack['bridge']['functions'],
): { Action: string | string[]; Resource: unknown }[] {
  const roleId = logicalId(stack, stack.bridge.functions[fn].role);
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  });
  return Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: never[] } } }).Properties.PolicyDocument.Statement,
  );
}
const actionsOf = (fn: keyof DsrBridgeStack['bridge']['functions']) =>
  statementsOf(fn).flatMap((s) => [s.Action].flat());
const resourcesFor = (fn: keyof DsrBridgeStack['bridge']['functions'], action: string) =>
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

    it('synthesises clean with a data map that erases Snowflake rows (the erasure user and its secret)', () => {
      const { app } = synthesize(
        { dataMapFile: ERASURE_DATA_MAP },
        {
          ...SNOWFLAKE_ERASURE_CONTEXT,
          snowflakeReaderUser: 'DSR_READER',
          snowflakeReaderRole: 'DSR_READER',
        },
      );
      expect(() => app.synth()).not.toThrow();
    });

    it('fails the synth when a finding is not acknowledged', () => {
      const { app, stack: fresh } = synthesize({}, {}, { fresh: true });
      // A plain secret added without a reason must be caught by the gate.
      new secretsmanager.Secret(fresh, 'Unacknowledged');
      expect(() => app.synth()).toThrow(/AwsSolutions-SMG4/);
    });
  });

  describe('encryption', () => {
    it('encrypts every queue with the customer-managed key and refuses non-TLS requests', () => {
      const keyRef = { 'Fn::GetAtt': [logicalId(stack, stack.bridge.key), 'Arn'] };
      const queues = template.findResources('AWS::SQS::Queue');
      expect(Object.keys(queues)).toHaveLength(10);
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
      expect(Object.keys(policies)).toHaveLength(10);
    });

    it('rotates the key, and encrypts the alarm topic, the secrets and the log groups with it', () => {
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      const keyArn = { 'Fn::GetAtt': [logicalId(stack, stack.bridge.key), 'Arn'] };
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: keyArn });
      expect(
        Object.values(template.findResources('AWS::SecretsManager::Secret')).every((s) =>
          JSON.stringify(s).includes(logicalId(stack, stack.bridge.key)),
        ),
      ).toBe(true);
      const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
      expect(logGroups).toHaveLength(9);
      for (const group of logGroups)
        expect(JSON.stringify(group)).toContain(logicalId(stack, stack.bridge.key));
    });

    it('keeps failed payloads SSE-KMS with a bucket key, private, versioned, logged, expiring and retained', () => {
      const id = logicalId(stack, stack.bridge.payloads.bucket);
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
      for (const q of Object.values(stack.bridge.queues)) {
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
      const timeoutOf = (fn: keyof DsrBridgeStack['bridge']['functions']) =>
        (fns[logicalId(stack, stack.bridge.functions[fn].function)] as { Properties: { Timeout: number } })
          .Properties.Timeout;
      const queues = template.findResources('AWS::SQS::Queue');
      const visibilityOf = (q: keyof DsrBridgeStack['bridge']['queues']) =>
        (
          queues[logicalId(stack, stack.bridge.queues[q].queue)] as {
            Properties: { VisibilityTimeout: number };
          }
        ).Properties.VisibilityTimeout;
      expect(visibilityOf('high')).toBe(6 * timeoutOf('extractHigh'));
      expect(visibilityOf('standard')).toBe(6 * timeoutOf('extractStandard'));
      expect(visibilityOf('gate')).toBe(6 * timeoutOf('gate'));
      expect(visibilityOf('load')).toBe(6 * timeoutOf('load'));
      expect(visibilityOf('erase')).toBe(6 * timeoutOf('erase'));
    });

    it("gives the load the time a million-row subject's package is expected to take in an invocation of its own", () => {
      const fns = template.findResources('AWS::Lambda::Function');
      const load = fns[logicalId(stack, stack.bridge.functions.load.function)] as {
        Properties: { Timeout: number };
      };
      expect(load.Properties.Timeout * 1000).toBeGreaterThanOrEqual(
        DEFAULT_LOAD_RESERVE_MS + 1_000_000 * DEFAULT_PACKAGE_MS_PER_ROW,
      );
    });

    it('reports batch item failures on every event source, with more concurrency for the high queue', () => {
      const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as {
        Properties: {
          FunctionResponseTypes: string[];
          ScalingConfig: { MaximumConcurrency: number };
          EventSourceArn: unknown;
        };
      }[];
      expect(mappings).toHaveLength(5);
      for (const m of mappings)
        expect(m.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      const concurrencyOf = (q: keyof DsrBridgeStack['bridge']['queues']) =>
        mappings.find((m) =>
          JSON.stringify(m.Properties.EventSourceArn).includes(
            logicalId(stack, stack.bridge.queues[q].queue),
          ),
        )?.Properties.ScalingConfig.MaximumConcurrency;
      expect(concurrencyOf('high')).toBe(20);
      expect(concurrencyOf('standard')).toBe(5);
    });

    it('feeds the erase function one request per invocation from its own queue, with five minutes each', () => {
      const eraseFn = logicalId(stack, stack.bridge.functions.erase.function);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: eraseFn },
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.bridge.queues.erase.queue), 'Arn'] },
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      });
      const fn = template.findResources('AWS::Lambda::Function')[eraseFn] as {
        Properties: { Timeout: number; Environment: { Variables: Record<string, unknown> } };
      };
      expect(fn.Properties.Timeout).toBe(300);
      expect(fn.Properties.Environment.Variables).toMatchObject({
        DSR_STAGE: 'erase',
        DSR_APPROVAL_MAX_ROWS: '1000',
        CONTINUE_QUEUE_URL: { Ref: logicalId(stack, stack.bridge.queues.erase.queue) },
        DEAD_LETTER_QUEUE_URL: { Ref: logicalId(stack, stack.bridge.queues.erase.deadLetterQueue) },
        PG_SECRET_ARN: { Ref: logicalId(stack, stack.bridge.secrets.postgres as never) },
        DSR_ERASURE_PG_SECRET_ARN: { Ref: logicalId(stack, stack.bridge.secrets.postgresErasure as never) },
        DSR_ERASURE_MASK_KEY_SECRET_ARN: {
          Ref: logicalId(stack, stack.bridge.secrets.erasureMaskKey as never),
        },
        // The evidence writer's session; a PostgreSQL-only erasure map gives no erasure user.
        SNOWFLAKE_USER: 'DSR_LOADER',
      });
      expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain('SNOWFLAKE_ERASURE_USER');
      expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain('DSR_PG_BACKUP_RETENTION_DAYS');
      // The proof's text scan beyond the data map is off unless asked for.
      expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain('DSR_PROOF_SCAN_TEXT_ROWS');
      // The gate routes erasure requests to it.
      const gate = template.findResources('AWS::Lambda::Function')[
        logicalId(stack, stack.bridge.functions.gate.function)
      ] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
      expect(gate.Properties.Environment.Variables.ERASE_QUEUE_URL).toEqual({
        Ref: logicalId(stack, stack.bridge.queues.erase.queue),
      });
    });

    it('gives the erase function the erasure user and the thresholds from context, in the VPC', () => {
      const { stack: s, template: t } = synthesize(
        { dataMapFile: ERASURE_DATA_MAP },
        {
          ...SNOWFLAKE_ERASURE_CONTEXT,
          snowflakeReaderUser: 'DSR_READER',
          snowflakeReaderRole: 'DSR_READER',
          approvalMaxRows: '250',
          approvalAlarmHours: '8',
          pgBackupRetentionDays: '35',
          proofScanTextRows: '5000',
          vpcId: 'vpc-0a1b2c3d4e5f60789',
          availabilityZones: 'eu-west-1a',
          privateSubnetIds: 'subnet-0a1b2c3d4e5f60781',
          securityGroupIds: 'sg-0a1b2c3d4e5f60789',
        },
      );
      const fn = t().findResources('AWS::Lambda::Function')[
        logicalId(s, s.bridge.functions.erase.function)
      ] as {
        Properties: { VpcConfig: unknown; Environment: { Variables: Record<string, unknown> } };
      };
      const check = t().findResources('AWS::Lambda::Function')[
        logicalId(s, s.bridge.functions.deadlineCheck.function)
      ] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
      expect(check.Properties.Environment.Variables.DSR_APPROVAL_ALARM_HOURS).toBe('8');
      expect(fn.Properties.Environment.Variables).toMatchObject({
        DSR_APPROVAL_MAX_ROWS: '250',
        DSR_PG_BACKUP_RETENTION_DAYS: '35',
        DSR_PROOF_SCAN_TEXT_ROWS: '5000',
        SNOWFLAKE_ERASURE_USER: 'DSR_ERASER',
        SNOWFLAKE_ERASURE_ROLE: 'DSR_ERASURE',
        SNOWFLAKE_ERASURE_PRIVATE_KEY_SECRET_ID: {
          Ref: logicalId(s, s.bridge.secrets.snowflakeErasure as never),
        },
      });
      expect(fn.Properties.VpcConfig).toEqual({
        SecurityGroupIds: ['sg-0a1b2c3d4e5f60789'],
        SubnetIds: ['subnet-0a1b2c3d4e5f60781'],
      });
    });

    it('runs every function on Node 22, ARM64', () => {
      const fns = Object.values(template.findResources('AWS::Lambda::Function')) as {
        Properties: Record<string, unknown>;
      }[];
      expect(fns).toHaveLength(9);
      for (const fn of fns)
        expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    });
  });

  describe('least privilege', () => {
    it('lets the extractors read only the PostgreSQL secret and the hash key', () => {
      const read = resourcesFor('extractHigh', 'secretsmanager:GetSecretValue');
      expect(read).toContain(logicalId(stack, stack.bridge.secrets.postgres as never));
      expect(read).toContain(logicalId(stack, stack.bridge.secrets.subjectHashKey as never));
      expect(read).not.toContain(logicalId(stack, stack.bridge.secrets.snowflake as never));
      expect(read).not.toContain(logicalId(stack, stack.bridge.secrets.pagerDutyRoutingKey as never));
    });

    it('keeps PostgreSQL credentials from the loader and queue sends to the next stage only', () => {
      expect(resourcesFor('load', 'secretsmanager:GetSecretValue')).not.toContain(
        logicalId(stack, stack.bridge.secrets.postgres as never),
      );
      const sends = resourcesFor('extractHigh', 'sqs:SendMessage');
      expect(sends).toContain(logicalId(stack, stack.bridge.queues.gate.queue));
      expect(sends).not.toContain(logicalId(stack, stack.bridge.queues.load.queue));
      expect(sends).not.toContain(logicalId(stack, stack.bridge.queues.high.queue));
      expect(resourcesFor('extractStandard', 'sqs:SendMessage')).toContain(
        logicalId(stack, stack.bridge.queues.high.queue),
      );
    });

    it('lets only the erase function delete payloads, and uses no wildcard resource but object keys', () => {
      for (const fn of Object.keys(
        stack.bridge.functions,
      ) as (keyof DsrBridgeStack['bridge']['functions'])[]) {
        expect(
          actionsOf(fn).filter((a) => a.startsWith('s3:Delete')),
          fn,
        ).toEqual(fn === 'erase' ? ['s3:DeleteObject'] : []);
        for (const s of statementsOf(fn)) expect(s.Resource).not.toBe('*');
      }
      expect(resourcesFor('erase', 's3:DeleteObject')).toBe(
        JSON.stringify([
          {
            'Fn::Join': [
              '',
              [{ 'Fn::GetAtt': [logicalId(stack, stack.bridge.payloads.bucket), 'Arn'] }, '/*'],
            ],
          },
        ]),
      );
    });

    it('lets redrive start message move tasks on the dead-letter queues only', () => {
      const resources = resourcesFor('redrive', 'sqs:StartMessageMoveTask');
      for (const q of Object.values(stack.bridge.queues)) {
        expect(resources).toContain(logicalId(stack, q.deadLetterQueue));
        expect(resources).not.toContain(`"${logicalId(stack, q.queue)}"`);
      }
    });
  });

  describe('schedule and alarms', () => {
    it('runs the dead-letter recorder every five minutes over every dead-letter queue, and pages on what it records', () => {
      const recorder = stack.bridge.functions.deadLetterRecorder.function;
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(5 minutes)',
        Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack, recorder), 'Arn'] } }),
      });
      const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack, recorder)] as {
        Properties: { Environment: { Variables: Record<string, unknown> } };
      };
      // The sources are a JSON document with tokens for the queue URLs: resolve them to their
      // logical ids and parse the result with the function's own schema.
      const raw = fn.Properties.Environment.Variables.DEAD_LETTER_SOURCES as {
        'Fn::Join': [string, unknown[]];
      };
      const joined = raw['Fn::Join'][1]
        .map((part) =>
          typeof part === 'string' ? part : `https://sqs.local/${(part as { Ref: string }).Ref}`,
        )
        .join('');
      const env = recorderEnv.parse({
        DEAD_LETTER_SOURCES: joined,
        PAYLOAD_BUCKET: 'bucket',
      });
      expect(env.DEAD_LETTER_SOURCES.map((s) => [s.stage, s.url, s.maxReceiveCount])).toEqual(
        (['high', 'standard', 'gate', 'load', 'erase'] as const).map((q, i) => [
          ['extract-high', 'extract-standard', 'gate', 'load', 'erase'][i],
          `https://sqs.local/${logicalId(stack, stack.bridge.queues[q].deadLetterQueue)}`,
          5,
        ]),
      );
      for (const metricName of ['InternalError', 'SilentDeadLetter'])
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'DsrBridge',
          MetricName: metricName,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        });
    });

    it('runs redrive in the maintenance window', () => {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 3 ? * SUN *)',
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(stack, stack.bridge.functions.redrive.function), 'Arn'] },
        }),
      });
    });

    it('pages PagerDuty through the encrypted topic on ALARM and resolves on OK', () => {
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: PAGERDUTY });
      const topic = { Ref: logicalId(stack, stack.bridge.alerting.topic) };
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
        Properties: Record<string, unknown>;
      }[];
      // 5 dead-letter queues, 2 intake ages and the erase queue's, errors and throttles of 9
      // functions, the gate violation, internal errors, silent dead letters, the data-map coverage
      // and the tables the scan could not sample.
      expect(alarms).toHaveLength(31);
      for (const alarm of alarms)
        expect(alarm.Properties).toMatchObject({ AlarmActions: [topic], OKActions: [topic] });
    });

    it('alarms on any dead-lettered message, old intake messages and any gate violation', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: {
              'Fn::GetAtt': [logicalId(stack, stack.bridge.queues.high.deadLetterQueue), 'QueueName'],
            },
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
            Value: { 'Fn::GetAtt': [logicalId(stack, stack.bridge.queues.standard.queue), 'QueueName'] },
          },
        ],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'DsrBridge',
        MetricName: 'ComplianceGateViolation',
        Threshold: 1,
      });
    });

    it('pages on a dead-lettered erasure, on an erase message older than the threshold, and on erase errors', () => {
      const queueName = (q: { node: { defaultChild?: unknown } }) => [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack, q), 'QueueName'] } },
      ];
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: queueName(stack.bridge.queues.erase.deadLetterQueue),
        Threshold: 1,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: queueName(stack.bridge.queues.erase.queue),
        Threshold: 3600,
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Dimensions: [
          { Name: 'FunctionName', Value: { Ref: logicalId(stack, stack.bridge.functions.erase.function) } },
        ],
        Threshold: 1,
      });
      // Redrive moves the erase dead letters back too.
      expect(resourcesFor('redrive', 'sqs:StartMessageMoveTask')).toContain(
        logicalId(stack, stack.bridge.queues.erase.deadLetterQueue),
      );
    });

    it('has a dashboard of queue depths, ages, stage durations, gate violations and data-map coverage', () => {
      const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
      for (const title of [
        'Queue depth',
        'Oldest message age',
        'Stage duration',
        'Compliance gate violations',
        'Data map coverage',
        'Unmapped PII columns and unscanned tables',
      ]) {
        expect(body).toContain(title);
      }
      for (const metric of [COVERAGE_METRIC, UNMAPPED_PII_METRIC, TABLES_NOT_SCANNED_METRIC])
        expect(body).toContain(metric);
      // The erase queue, its dead letters and the erase function's duration are on it.
      for (const label of ['"erase"', '"erase DLQ"']) expect(body).toContain(label.replaceAll('"', '\\"'));
      expect(body).toContain(logicalId(stack, stack.bridge.functions.erase.function));
    });
  });

  describe('coverage scan', () => {
    const alarmOn = (t: Template, metricName: string) =>
      Object.values(
        t.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metricName } }),
      ) as {
        Properties: Record<string, unknown>;
      }[];

    it('runs the scan weekly, Monday 04:00 UTC, invoking the scan function', () => {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 4 ? * MON *)',
        ScheduleExpressionTimezone: 'Etc/UTC',
        State: 'ENABLED',
        Target: Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(stack, stack.bridge.functions.scan.function), 'Arn'] },
          Input: JSON.stringify({ source: 'coverage-scan' }),
        }),
      });
    });

    it('gives the scan ten minutes, the bundled data map and the settings of both systems, and no queue', () => {
      const fn = template.findResources('AWS::Lambda::Function')[
        logicalId(stack, stack.bridge.functions.scan.function)
      ] as { Properties: { Timeout: number; Environment: { Variables: Record<string, unknown> } } };
      expect(fn.Properties.Timeout).toBe(600);
      expect(fn.Properties.Environment.Variables).toMatchObject({
        DSR_DATAMAP_PATH: 'datamap.yaml',
        PG_SECRET_ARN: { Ref: logicalId(stack, stack.bridge.secrets.postgres as never) },
        SNOWFLAKE_PRIVATE_KEY_SECRET_ID: { Ref: logicalId(stack, stack.bridge.secrets.snowflake as never) },
        SNOWFLAKE_ACCOUNT: 'myorg-myaccount',
        POWERTOOLS_METRICS_NAMESPACE: 'DsrBridge',
      });
      const mappings = JSON.stringify(template.findResources('AWS::Lambda::EventSourceMapping'));
      expect(mappings).not.toContain(logicalId(stack, stack.bridge.functions.scan.function));
    });

    it('passes the Snowflake settings when given, and runs in the VPC like the extractors', () => {
      const { stack: s, template: t } = synthesize(
        {
          snowflake: {
            account: 'myorg-myaccount',
            user: 'DSR_BRIDGE',
            warehouse: 'DSR_WH',
            database: 'ANALYTICS',
            schema: 'PUBLIC',
          },
        },
        {
          vpcId: 'vpc-0a1b2c3d4e5f60789',
          availabilityZones: 'eu-west-1a',
          privateSubnetIds: 'subnet-0a1b2c3d4e5f60781',
          securityGroupIds: 'sg-0a1b2c3d4e5f60789',
        },
      );
      const fn = t().findResources('AWS::Lambda::Function')[
        logicalId(s, s.bridge.functions.scan.function)
      ] as {
        Properties: { VpcConfig: unknown; Environment: { Variables: Record<string, unknown> } };
      };
      expect(fn.Properties.Environment.Variables).toMatchObject({
        SNOWFLAKE_ACCOUNT: 'myorg-myaccount',
        SNOWFLAKE_USER: 'DSR_BRIDGE',
        SNOWFLAKE_DATABASE: 'ANALYTICS',
      });
      expect(fn.Properties.VpcConfig).toEqual({
        SecurityGroupIds: ['sg-0a1b2c3d4e5f60789'],
        SubnetIds: ['subnet-0a1b2c3d4e5f60781'],
      });
    });

    it('pages when the coverage falls below 95 %, keeping the last verdict while no scan reports', () => {
      const topic = { Ref: logicalId(stack, stack.bridge.alerting.topic) };
      const alarms = alarmOn(template, COVERAGE_METRIC);
      expect(alarms).toHaveLength(1);
      expect(alarms[0]?.Properties).toMatchObject({
        Namespace: 'DsrBridge',
        MetricName: 'DataMapCoverage',
        Dimensions: [{ Name: 'service', Value: 'dsr-bridge' }],
        Statistic: 'Minimum',
        Period: 3600,
        EvaluationPeriods: 1,
        Threshold: 95,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'ignore',
        AlarmActions: [topic],
        OKActions: [topic],
      });
    });

    it('pages when the scan could not sample a table, and when the scan function fails', () => {
      const topic = { Ref: logicalId(stack, stack.bridge.alerting.topic) };
      expect(alarmOn(template, TABLES_NOT_SCANNED_METRIC)[0]?.Properties).toMatchObject({
        Namespace: 'DsrBridge',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
        AlarmActions: [topic],
      });
      const errors = alarmOn(template, 'Errors').filter((a) =>
        JSON.stringify(a.Properties.Dimensions).includes(
          logicalId(stack, stack.bridge.functions.scan.function),
        ),
      );
      expect(errors).toHaveLength(1);
      expect(errors[0]?.Properties).toMatchObject({ Threshold: 1, AlarmActions: [topic] });
    });

    it('takes the schedule and the coverage bar from props or context', () => {
      const fromProps = synthesize({
        scanSchedule: 'cron(30 1 * * ? *)',
        minCoveragePercent: 100,
      }).template();
      fromProps.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(30 1 * * ? *)',
      });
      expect(alarmOn(fromProps, COVERAGE_METRIC)[0]?.Properties.Threshold).toBe(100);

      const fromContext = synthesize(
        {},
        { scanSchedule: 'cron(0 5 ? * SAT *)', minCoveragePercent: '99.5' },
      ).template();
      fromContext.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 5 ? * SAT *)',
      });
      expect(alarmOn(fromContext, COVERAGE_METRIC)[0]?.Properties.Threshold).toBe(99.5);
    });

    it('fails on a scan schedule that is not a cron expression', () => {
      expect(() => synthesize({ scanSchedule: 'rate(7 days)' })).toThrow(
        'scanSchedule must be an EventBridge Scheduler cron(…) expression (given "rate(7 days)")',
      );
      expect(() => synthesize({}, { scanSchedule: 'weekly' })).toThrow(
        /scanSchedule must be an EventBridge Scheduler cron/,
      );
    });

    it('fails on a coverage bar outside (0, 100]', () => {
      for (const given of [0, 100.5, Number.NaN]) {
        expect(() => synthesize({ minCoveragePercent: given })).toThrow(
          `minCoveragePercent must be above 0 and at most 100 (given ${given})`,
        );
      }
      expect(() => synthesize({}, { minCoveragePercent: 'most' })).toThrow(
        'context minCoveragePercent must be a number (given "most")',
      );
    });
  });

  describe('props', () => {
    it('fails if the visibility timeout is below six times the consumer timeout, stating the values', () => {
      const scope = new Stack(testApp(), 'Scope');
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

    it('fails on an approval threshold, a backup retention or a text-scan bound out of range, stating the value', () => {
      for (const given of [0, 1.5, 100_000_001])
        expect(() => synthesize({ approvalMaxRows: given })).toThrow(
          `approvalMaxRows must be an integer between 1 and 100000000 inclusive (given ${given})`,
        );
      for (const given of [0, 8761])
        expect(() => synthesize({ approvalAlarmHours: given })).toThrow(
          `approvalAlarmHours must be an integer between 1 and 8760 inclusive (given ${given})`,
        );
      expect(() => synthesize({ pgBackupRetentionDays: -1 })).toThrow(
        'pgBackupRetentionDays must be an integer between 0 and 36500 inclusive (given -1)',
      );
      for (const given of [0, 1_000_001])
        expect(() => synthesize({ proofScanTextRows: given })).toThrow(
          `proofScanTextRows must be an integer between 1 and 1000000 inclusive (given ${given})`,
        );
      expect(() => synthesize({}, { approvalMaxRows: 'many' })).toThrow(
        'context approvalMaxRows must be a whole number (given "many")',
      );
    });

    it("sizes the extractors' and the erase function's memory from props or context, 512 and 1024 MiB by default", () => {
      const memoryOf = (
        built: Pick<ReturnType<typeof synthesize>, 'stack' | 'template'>,
        fn: keyof DsrBridgeStack['bridge']['functions'],
      ) =>
        (
          built.template().findResources('AWS::Lambda::Function')[
            logicalId(built.stack, built.stack.bridge.functions[fn].function)
          ] as { Properties: { MemorySize: number } }
        ).Properties.MemorySize;
      const defaults = { stack, template: () => template };
      expect(memoryOf(defaults, 'extractHigh')).toBe(512);
      expect(memoryOf(defaults, 'erase')).toBe(1024);
      const sized = synthesize({}, { extractMemoryMiB: '3008', eraseMemoryMiB: '2048' });
      expect(memoryOf(sized, 'extractHigh')).toBe(3008);
      expect(memoryOf(sized, 'extractStandard')).toBe(3008);
      expect(memoryOf(sized, 'erase')).toBe(2048);
      expect(memoryOf(sized, 'gate')).toBe(512);
      for (const given of [127, 10_241, 1.5])
        expect(() => synthesize({ extractMemoryMiB: given })).toThrow(
          `extractMemoryMiB must be an integer between 128 and 10240 inclusive (given ${given})`,
        );
      expect(() => synthesize({}, { eraseMemoryMiB: 'lots' })).toThrow(
        'context eraseMemoryMiB must be a whole number (given "lots")',
      );
    });

    it('fails if a data map erases Snowflake rows without an erasure user, naming the context', () => {
      expect(() =>
        synthesize(
          { dataMapFile: ERASURE_DATA_MAP },
          { snowflakeReaderUser: 'DSR_READER', snowflakeReaderRole: 'DSR_READER' },
        ),
      ).toThrow(
        'The erase function deletes or masks Snowflake rows (the data map has 1 Snowflake table(s) with a delete or mask rule): give the context values snowflakeErasureUser and snowflakeErasureRole',
      );
      expect(() => synthesize({}, { snowflakeErasureUser: 'DSR_ERASER' })).toThrow(
        'context snowflakeErasureUser and snowflakeErasureRole go together',
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
        pgErasureSecretArn: arn('pg-erasure'),
        erasureMaskKeySecretArn: arn('mask'),
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
        logicalId(s, s.bridge.functions.extractHigh.function)
      ] as { Properties: Record<string, unknown> };
      expect(fn.Properties.VpcConfig).toEqual({
        SecurityGroupIds: ['sg-0a1b2c3d4e5f60789'],
        SubnetIds: ['subnet-0a1b2c3d4e5f60781'],
      });
    });
  });
});
