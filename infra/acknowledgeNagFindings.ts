import { Stack, Validations } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import type { FunctionName } from '../functions/functionConfigs';
import { PAYLOAD_PREFIXES, type PayloadPrefix } from '../shared/payload/PayloadStore';
import type { AnchorBucket } from './constructs/AnchorBucket';
import type { BridgeSecrets } from './constructs/BridgeSecrets';
import type { FailedPayloadBucket } from './constructs/FailedPayloadBucket';
import { PAYLOAD_WRITES } from './constructs/payloadWrites';
import type { StageFunction } from './constructs/StageFunction';

/** What of `DsrBridge` the acknowledgments name (a shape of its own, so the construct can call this). */
export interface NagFindingScope extends IConstruct {
  readonly functions: Readonly<Record<FunctionName, StageFunction>>;
  readonly payloads: FailedPayloadBucket;
  readonly anchors: AnchorBucket;
  readonly secrets: BridgeSecrets;
  readonly postgresRotation: secretsmanager.RotationSchedule | undefined;
  readonly postgresErasureRotation: secretsmanager.RotationSchedule | undefined;
}

const nag = (rule: string) => `AwsSolutions::AwsSolutions-${rule}`;

/**
 * Every cdk-nag finding the construct keeps, acknowledged on the construct it concerns with the reason
 * it stays. Anything not listed here fails the synth (and the tests).
 */
export function acknowledgeNagFindings(bridge: NagFindingScope): void {
  const stack = Stack.of(bridge);
  const ack = (scope: IConstruct, rule: string, reason: string) =>
    Validations.of(scope).acknowledge({ id: nag(rule), reason });

  for (const fn of Object.values(bridge.functions)) {
    ack(
      fn,
      'L1',
      'Node.js 22 is the runtime the product and its drivers (AWS SDK v3, snowflake-sdk 3.3, pg 8) are tested on; moving to a newer runtime is a tested upgrade, not an automatic one.',
    );
  }
  // The scan touches no queue or bucket: its role holds no KMS action (secrets decrypt through the key policy).
  for (const fn of Object.values(bridge.functions).filter((f) => f !== bridge.functions.scan)) {
    for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
      ack(
        fn,
        `IAM5[Action::${action}]`,
        'Granted by CDK for SQS and S3 on the one customer-managed key; the resource is that key ARN, and SQS/S3 need these action families for envelope encryption.',
      );
    }
  }
  for (const fn of Object.values(bridge.functions).filter((f) => f.inVpc)) {
    ack(
      fn,
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      'Lambda needs ec2:CreateNetworkInterface and friends to run in the VPC, which AWS documents only on resource "*"; this managed policy is exactly that set.',
    );
  }
  const stages = [
    bridge.functions.extractHigh,
    bridge.functions.extractStandard,
    bridge.functions.gate,
    bridge.functions.load,
    bridge.functions.erase,
  ];
  for (const fn of [...stages, bridge.functions.deadLetterRecorder]) {
    ack(
      fn,
      'IAM5[Action::s3:Abort*]',
      "Part of CDK grantPut: aborts this function's own multipart uploads of a payload.",
    );
  }
  const payloadBucket = stack.getLogicalId(bridge.payloads.bucket.node.defaultChild as never);
  // Read (and, for the erase function, delete) on every object of the bucket; put only under a prefix.
  for (const fn of stages) {
    ack(
      fn,
      `IAM5[Resource::<${payloadBucket}.Arn>/*]`,
      fn === bridge.functions.erase
        ? "Payload objects are keyed by date and request id, unknown at deploy time; read and delete on the one failed-payload bucket, DeleteObject so an erasure removes the subject's own objects (puts are granted per prefix)."
        : 'Payload objects are keyed by date and request id, unknown at deploy time; read on the one failed-payload bucket (puts are granted per prefix).',
    );
  }
  for (const [name, prefixes] of Object.entries(PAYLOAD_WRITES) as [
    FunctionName,
    readonly PayloadPrefix[],
  ][]) {
    for (const prefix of prefixes)
      ack(
        bridge.functions[name],
        `IAM5[Resource::<${payloadBucket}.Arn>/${PAYLOAD_PREFIXES[prefix]}*]`,
        `Put under ${PAYLOAD_PREFIXES[prefix]} only, the prefix of keys this function writes (keyed by date and request or message id, unknown at deploy time), in the one failed-payload bucket.`,
      );
  }
  for (const fn of stages) {
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*']) {
      ack(
        fn,
        `IAM5[Action::${action}]`,
        'CDK grantRead on the one failed-payload bucket: reads claim-check payloads of the previous stage and the original body of a redriven dead-letter envelope.',
      );
    }
  }
  ack(
    stack,
    `IAM5[Resource::<${stack.getLogicalId(bridge.functions.redrive.function.node.defaultChild as never)}.Arn>:*]`,
    "EventBridge Scheduler may invoke the redrive function's versions and aliases; the grant names that one function.",
  );
  ack(
    stack,
    `IAM5[Resource::<${stack.getLogicalId(bridge.functions.deadLetterRecorder.function.node.defaultChild as never)}.Arn>:*]`,
    "EventBridge Scheduler may invoke the dead-letter recorder's versions and aliases; the grant names that one function.",
  );
  ack(
    stack,
    `IAM5[Resource::<${stack.getLogicalId(bridge.functions.scan.function.node.defaultChild as never)}.Arn>:*]`,
    "EventBridge Scheduler may invoke the scan function's versions and aliases; the grant names that one function.",
  );

  ack(
    stack,
    `IAM5[Resource::<${stack.getLogicalId(bridge.functions.deadlineCheck.function.node.defaultChild as never)}.Arn>:*]`,
    "EventBridge Scheduler may invoke the deadline check's versions and aliases; the grant names that one function.",
  );
  ack(
    bridge.functions.deadlineCheck,
    `IAM5[Resource::<${stack.getLogicalId(bridge.anchors.bucket.node.defaultChild as never)}.Arn>/anchors/*]`,
    'Anchors are keyed by date (anchors/YYYY-MM-DD.json), one per day; PutObject and GetObject only, on the one anchor bucket, whose compliance-mode retention forbids overwriting or deleting any version.',
  );

  ack(
    bridge.secrets.snowflake,
    'SMG4',
    'A Snowflake key pair is rotated in Snowflake (RSA_PUBLIC_KEY_2, then swap); Secrets Manager has no rotation function for it. See README, "Rotating secrets".',
  );
  if (bridge.secrets.snowflakeReader) {
    ack(
      bridge.secrets.snowflakeReader,
      'SMG4',
      'The read-only user\'s key pair is rotated in Snowflake like the loader\'s (RSA_PUBLIC_KEY_2, then swap). See README, "Rotating secrets".',
    );
  }
  if (bridge.secrets.snowflakeErasure) {
    ack(
      bridge.secrets.snowflakeErasure,
      'SMG4',
      'The erasure user\'s key pair is rotated in Snowflake like the loader\'s (RSA_PUBLIC_KEY_2, then swap). See README, "Rotating secrets".',
    );
  }
  ack(
    bridge.secrets.erasureMaskKey,
    'SMG4',
    'Rotating the mask key changes every keyed-hash mask written afterwards, so values masked before and after no longer join; it is rotated deliberately, between erasures.',
  );
  ack(
    bridge.secrets.subjectHashKey,
    'SMG4',
    'Rotating the subject-hash key changes every subject hash and breaks the correlation of past evidence; it is rotated deliberately with the re-keying procedure in the README.',
  );
  ack(
    bridge.secrets.pagerDutyRoutingKey,
    'SMG4',
    'The routing key is issued by PagerDuty and changed there; it has no automatic rotation.',
  );
  if (!bridge.postgresErasureRotation) {
    ack(
      bridge.secrets.postgresErasure,
      'SMG4',
      'Rotation needs network access from the rotation function to the database, which only the deployer can grant: set the context value rotatePostgresSecret=true (with vpcId etc.) to rotate both PostgreSQL secrets.',
    );
  }
  if (!bridge.postgresRotation) {
    ack(
      bridge.secrets.postgres,
      'SMG4',
      'Rotation needs network access from the rotation function to the database, which only the deployer can grant: set the context value rotatePostgresSecret=true (with vpcId etc.) to turn it on.',
    );
  }
}
