import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { DsrBridgeStack } from './DsrBridgeStack';

const nag = (rule: string) => `AwsSolutions::AwsSolutions-${rule}`;

/**
 * Every cdk-nag finding the stack keeps, acknowledged on the construct it concerns with the reason
 * it stays. Anything not listed here fails the synth (and the tests).
 */
export function acknowledgeNagFindings(stack: DsrBridgeStack): void {
  const ack = (scope: IConstruct, rule: string, reason: string) =>
    Validations.of(scope).acknowledge({ id: nag(rule), reason });

  for (const fn of Object.values(stack.functions)) {
    ack(
      fn,
      'L1',
      'Node.js 22 is the runtime the product and its drivers (AWS SDK v3, snowflake-sdk 3.3, pg 8) are tested on; moving to a newer runtime is a tested upgrade, not an automatic one.',
    );
  }
  // The scan touches no queue or bucket: its role holds no KMS action (secrets decrypt through the key policy).
  for (const fn of Object.values(stack.functions).filter((f) => f !== stack.functions.scan)) {
    for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
      ack(
        fn,
        `IAM5[Action::${action}]`,
        'Granted by CDK for SQS and S3 on the one customer-managed key; the resource is that key ARN, and SQS/S3 need these action families for envelope encryption.',
      );
    }
  }
  for (const fn of Object.values(stack.functions).filter((f) => f.inVpc)) {
    ack(
      fn,
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      'Lambda needs ec2:CreateNetworkInterface and friends to run in the VPC, which AWS documents only on resource "*"; this managed policy is exactly that set.',
    );
  }
  const stages = [
    stack.functions.extractHigh,
    stack.functions.extractStandard,
    stack.functions.gate,
    stack.functions.load,
    stack.functions.erase,
  ];
  for (const fn of [...stages, stack.functions.deadLetterRecorder]) {
    ack(
      fn,
      'IAM5[Action::s3:Abort*]',
      "Part of CDK grantPut: aborts this function's own multipart uploads of a payload.",
    );
  }
  for (const fn of [...stages, stack.functions.deadLetterRecorder]) {
    ack(
      fn,
      `IAM5[Resource::<${stack.getLogicalId(stack.payloads.bucket.node.defaultChild as never)}.Arn>/*]`,
      fn === stack.functions.erase
        ? "Payload objects are keyed by date and request id, unknown at deploy time; the grant is limited to the one failed-payload bucket, and DeleteObject is there so an erasure removes the subject's own objects."
        : 'Payload objects are keyed by date and request id, unknown at deploy time; the grant is limited to the one failed-payload bucket.',
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
    `IAM5[Resource::<${stack.getLogicalId(stack.functions.redrive.function.node.defaultChild as never)}.Arn>:*]`,
    "EventBridge Scheduler may invoke the redrive function's versions and aliases; the grant names that one function.",
  );
  ack(
    stack,
    `IAM5[Resource::<${stack.getLogicalId(stack.functions.deadLetterRecorder.function.node.defaultChild as never)}.Arn>:*]`,
    "EventBridge Scheduler may invoke the dead-letter recorder's versions and aliases; the grant names that one function.",
  );
  ack(
    stack,
    `IAM5[Resource::<${stack.getLogicalId(stack.functions.scan.function.node.defaultChild as never)}.Arn>:*]`,
    "EventBridge Scheduler may invoke the scan function's versions and aliases; the grant names that one function.",
  );

  ack(
    stack,
    `IAM5[Resource::<${stack.getLogicalId(stack.functions.deadlineCheck.function.node.defaultChild as never)}.Arn>:*]`,
    "EventBridge Scheduler may invoke the deadline check's versions and aliases; the grant names that one function.",
  );
  ack(
    stack.functions.deadlineCheck,
    `IAM5[Resource::<${stack.getLogicalId(stack.anchors.bucket.node.defaultChild as never)}.Arn>/anchors/*]`,
    'Anchors are keyed by date (anchors/YYYY-MM-DD.json), one per day; PutObject and GetObject only, on the one anchor bucket, whose compliance-mode retention forbids overwriting or deleting any version.',
  );

  ack(
    stack.secrets.snowflake,
    'SMG4',
    'A Snowflake key pair is rotated in Snowflake (RSA_PUBLIC_KEY_2, then swap); Secrets Manager has no rotation function for it. See README, "Rotating secrets".',
  );
  if (stack.secrets.snowflakeReader) {
    ack(
      stack.secrets.snowflakeReader,
      'SMG4',
      'The read-only user\'s key pair is rotated in Snowflake like the loader\'s (RSA_PUBLIC_KEY_2, then swap). See README, "Rotating secrets".',
    );
  }
  if (stack.secrets.snowflakeErasure) {
    ack(
      stack.secrets.snowflakeErasure,
      'SMG4',
      'The erasure user\'s key pair is rotated in Snowflake like the loader\'s (RSA_PUBLIC_KEY_2, then swap). See README, "Rotating secrets".',
    );
  }
  ack(
    stack.secrets.erasureMaskKey,
    'SMG4',
    'Rotating the mask key changes every keyed-hash mask written afterwards, so values masked before and after no longer join; it is rotated deliberately, between erasures.',
  );
  ack(
    stack.secrets.subjectHashKey,
    'SMG4',
    'Rotating the subject-hash key changes every subject hash and breaks the correlation of past evidence; it is rotated deliberately with the re-keying procedure in the README.',
  );
  ack(
    stack.secrets.pagerDutyRoutingKey,
    'SMG4',
    'The routing key is issued by PagerDuty and changed there; it has no automatic rotation.',
  );
  if (!stack.postgresErasureRotation) {
    ack(
      stack.secrets.postgresErasure,
      'SMG4',
      'Rotation needs network access from the rotation function to the database, which only the deployer can grant: set the context value rotatePostgresSecret=true (with vpcId etc.) to rotate both PostgreSQL secrets.',
    );
  }
  if (!stack.postgresRotation) {
    ack(
      stack.secrets.postgres,
      'SMG4',
      'Rotation needs network access from the rotation function to the database, which only the deployer can grant: set the context value rotatePostgresSecret=true (with vpcId etc.) to turn it on.',
    );
  }
}
