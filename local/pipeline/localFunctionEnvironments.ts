import { App } from 'aws-cdk-lib';
import type { FunctionName } from '../../functions/functionConfigs';
import { DsrBridgeStack } from '../../infra/DsrBridgeStack';
import {
  functionEnvironments,
  resolveEnvironment,
  synthesizedTemplate,
  type TemplateReference,
} from '../../infra/functionEnvironments';
import { stackPropsFromContext } from '../../infra/stackPropsFromContext';
import type { LocalQueue, PipelineQueueName } from '../aws/startLocalAws';

/** The loopback services that stand in for what the stack points its functions at. */
export interface LocalStandIns {
  readonly dataMapFile: string;
  readonly pgDsn: string;
  /** The erasure role's connection string (the only credentials that write PostgreSQL). */
  readonly erasurePgDsn: string;
  /** The key of keyed-hash masks, 32 characters or more. */
  readonly erasureMaskKey: string;
  readonly subjectHashKey: string;
  readonly snowflake: {
    readonly account: string;
    readonly url: string;
    readonly user: string;
    readonly password: string;
    readonly database: string;
    readonly schema: string;
  };
  readonly aws: {
    readonly region: string;
    readonly sqsEndpoint: string;
    readonly s3Endpoint: string;
    readonly bucket: string;
    readonly queues: Readonly<Record<PipelineQueueName, LocalQueue>>;
  };
  readonly pagerDuty: { readonly url: string; readonly routingKey: string };
  readonly maxReceiveCount: number;
}

/** The local KMS stand-in: s3rver accepts the header and does not encrypt. */
const LOCAL_KMS_KEY = 'alias/dsr-bridge-local';
/** The completion topic's stand-in ARN: the local runtime hands its handlers a publisher of its own. */
const LOCAL_COMPLETION_TOPIC = 'arn:aws:sns:us-east-1:000000000000:dsr-bridge-local-completions';

/**
 * Variables whose deployed value names a secret, and the plain variables that replace them
 * locally; and the variables added only to reach loopback endpoints. Nothing else differs.
 */
export const SECRET_STAND_INS: Readonly<Record<string, readonly string[]>> = {
  PG_SECRET_ARN: ['PG_DSN'],
  DSR_ERASURE_PG_SECRET_ARN: ['DSR_ERASURE_PG_DSN'],
  DSR_ERASURE_MASK_KEY_SECRET_ARN: ['DSR_ERASURE_MASK_KEY'],
  DSR_SUBJECT_HASH_KEY_SECRET_ARN: ['DSR_SUBJECT_HASH_KEY'],
  SNOWFLAKE_PRIVATE_KEY_SECRET_ID: ['SNOWFLAKE_PASSWORD', 'SNOWFLAKE_ACCESS_URL'],
  // The erasure user's session takes the account and endpoint of the evidence writer's.
  SNOWFLAKE_ERASURE_PRIVATE_KEY_SECRET_ID: ['SNOWFLAKE_ERASURE_PASSWORD'],
  PAGERDUTY_ROUTING_KEY_SECRET_ARN: ['PAGERDUTY_ROUTING_KEY', 'PAGERDUTY_EVENTS_URL'],
};
export const ENDPOINT_VARIABLES = ['DSR_SQS_ENDPOINT', 'DSR_S3_ENDPOINT', 'AWS_REGION'] as const;

/** The context a deploy would give, with the local endpoint's account, user and evidence location. */
export function localContext(standIns: LocalStandIns): Record<string, string> {
  const sf = standIns.snowflake;
  return {
    snowflakeAccount: sf.account,
    snowflakeUser: sf.user,
    snowflakeWarehouse: 'LOCAL_WH',
    snowflakeDatabase: sf.database,
    snowflakeSchema: sf.schema,
    // One local user plays the loader, the read-only reader and the erasure user (the endpoint
    // models no grants).
    snowflakeReaderUser: sf.user,
    snowflakeReaderRole: 'PUBLIC',
    snowflakeErasureUser: sf.user,
    snowflakeErasureRole: 'PUBLIC',
    maxReceiveCount: String(standIns.maxReceiveCount),
    pagerDutyUrl: 'https://events.pagerduty.com/integration/local/enqueue',
  };
}

/**
 * Synthesises the stack (bundling skipped, no lookup) for the given data map and returns each
 * function's environment as deployed, with references resolved by `resolve`.
 */
export function synthesizedEnvironments(
  dataMapFile: string,
  context: Record<string, string>,
  resolve: (stack: DsrBridgeStack, reference: TemplateReference) => string,
): Record<FunctionName, Record<string, string>> {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new DsrBridgeStack(app, 'DsrBridgeStack', { ...stackPropsFromContext(context), dataMapFile });
  const template = synthesizedTemplate(app, stack);
  const environments = functionEnvironments(stack, template);
  return Object.fromEntries(
    Object.entries(environments).map(([name, vars]) => [
      name,
      resolveEnvironment(vars, template, (reference) => resolve(stack, reference)),
    ]),
  ) as Record<FunctionName, Record<string, string>>;
}

/**
 * Each function's environment as the stack deploys it, with only endpoints and secrets replaced
 * by their loopback stand-ins (see {@link SECRET_STAND_INS}, {@link ENDPOINT_VARIABLES}): the
 * local runtime runs the deployed configuration.
 */
export function localFunctionEnvironments(
  standIns: LocalStandIns,
): Record<FunctionName, Record<string, string>> {
  const { aws } = standIns;
  const deployed = synthesizedEnvironments(standIns.dataMapFile, localContext(standIns), (stack, ref) => {
    if (ref.type === 'AWS::SecretsManager::Secret') return `secret:${ref.logicalId}`;
    if (ref.type === 'AWS::S3::Bucket') return aws.bucket;
    if (ref.type === 'AWS::KMS::Key') return LOCAL_KMS_KEY;
    // The handlers publish to the runtime's own publisher instead (see startLocalPipeline).
    if (ref.type === 'AWS::SNS::Topic') return LOCAL_COMPLETION_TOPIC;
    for (const [name, q] of Object.entries(stack.queues) as [
      PipelineQueueName,
      (typeof stack.queues)['high'],
    ][]) {
      const local = aws.queues[name];
      if (ref.logicalId === stack.getLogicalId(q.queue.node.defaultChild as never))
        return ref.attribute === 'Arn' ? local.arn : local.url;
      if (ref.logicalId === stack.getLogicalId(q.deadLetterQueue.node.defaultChild as never))
        return ref.attribute === 'Arn' ? local.deadLetterArn : local.deadLetterUrl;
    }
    throw new Error(`no local stand-in for ${ref.type} ${ref.logicalId}`);
  });
  const plain: Record<string, Record<string, string>> = {
    PG_SECRET_ARN: { PG_DSN: standIns.pgDsn },
    DSR_ERASURE_PG_SECRET_ARN: { DSR_ERASURE_PG_DSN: standIns.erasurePgDsn },
    DSR_ERASURE_MASK_KEY_SECRET_ARN: { DSR_ERASURE_MASK_KEY: standIns.erasureMaskKey },
    SNOWFLAKE_ERASURE_PRIVATE_KEY_SECRET_ID: { SNOWFLAKE_ERASURE_PASSWORD: standIns.snowflake.password },
    DSR_SUBJECT_HASH_KEY_SECRET_ARN: { DSR_SUBJECT_HASH_KEY: standIns.subjectHashKey },
    SNOWFLAKE_PRIVATE_KEY_SECRET_ID: {
      SNOWFLAKE_PASSWORD: standIns.snowflake.password,
      SNOWFLAKE_ACCESS_URL: standIns.snowflake.url,
    },
    PAGERDUTY_ROUTING_KEY_SECRET_ARN: {
      PAGERDUTY_ROUTING_KEY: standIns.pagerDuty.routingKey,
      PAGERDUTY_EVENTS_URL: standIns.pagerDuty.url,
    },
  };
  return Object.fromEntries(
    Object.entries(deployed).map(([name, env]) => {
      const local: Record<string, string> = {
        DSR_SQS_ENDPOINT: aws.sqsEndpoint,
        DSR_S3_ENDPOINT: aws.s3Endpoint,
        AWS_REGION: aws.region,
      };
      for (const [key, value] of Object.entries(env)) {
        if (key === 'DSR_DATAMAP_PATH') local[key] = standIns.dataMapFile;
        else if (plain[key]) Object.assign(local, plain[key]);
        else if (value.startsWith('secret:'))
          throw new Error(`${name}: no local stand-in for the secret in ${key}`);
        else local[key] = value;
      }
      return [name, local];
    }),
  ) as Record<FunctionName, Record<string, string>>;
}
