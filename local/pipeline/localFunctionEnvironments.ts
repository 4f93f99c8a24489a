import type { FunctionName } from '../../functions/functionConfigs';
import { functionEnvironments, type ResourceReferences } from '../../functions/functionEnvironments';
import type { DsrBridgeProps } from '../../infra/DsrBridgeProps';
import { resolveBridgeSettings } from '../../infra/resolveBridgeSettings';
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
  // So does the read-only user's session of the erase function.
  SNOWFLAKE_READER_PRIVATE_KEY_SECRET_ID: ['SNOWFLAKE_READER_PASSWORD'],
  PAGERDUTY_ROUTING_KEY_SECRET_ARN: ['PAGERDUTY_ROUTING_KEY', 'PAGERDUTY_EVENTS_URL'],
};
export const ENDPOINT_VARIABLES = ['DSR_SQS_ENDPOINT', 'DSR_S3_ENDPOINT', 'AWS_REGION'] as const;

/** The props a deploy would give, with the local endpoint's account, user and evidence location. */
export function localProps(standIns: LocalStandIns): DsrBridgeProps {
  const sf = standIns.snowflake;
  // One local user plays the loader, the read-only reader and the erasure user (the endpoint
  // models no grants).
  const local = { user: sf.user, role: 'PUBLIC' };
  return {
    dataMapFile: standIns.dataMapFile,
    maxReceiveCount: standIns.maxReceiveCount,
    pagerDutyUrl: 'https://events.pagerduty.com/integration/local/enqueue',
    snowflake: {
      account: sf.account,
      user: sf.user,
      warehouse: 'LOCAL_WH',
      database: sf.database,
      schema: sf.schema,
      reader: local,
      eraser: local,
    },
  };
}

/** Marks a secret's place; every mark is replaced by a plain local value below. */
const secret = (name: string) => `secret:${name}`;

/**
 * Each function's environment as the stack deploys it (the same description,
 * `functions/functionEnvironments.ts`, from the same settings and defaults), with only endpoints
 * and secrets replaced by their loopback stand-ins (see {@link SECRET_STAND_INS},
 * {@link ENDPOINT_VARIABLES}): the local runtime runs the deployed configuration. Loads no CDK;
 * `test/infra/localEnvironments.test.ts` compares the result with the synthesised stack.
 */
export function localFunctionEnvironments(
  standIns: LocalStandIns,
): Record<FunctionName, Record<string, string>> {
  const { aws } = standIns;
  const settings = resolveBridgeSettings(localProps(standIns));
  const queue = (name: PipelineQueueName) => {
    const q = aws.queues[name];
    return { url: q.url, arn: q.arn, deadLetterUrl: q.deadLetterUrl, deadLetterArn: q.deadLetterArn };
  };
  const references: ResourceReferences = {
    queues: {
      high: queue('high'),
      standard: queue('standard'),
      gate: queue('gate'),
      load: queue('load'),
      erase: queue('erase'),
    },
    payloadBucket: aws.bucket,
    payloadKeyArn: LOCAL_KMS_KEY,
    // The deadline check writes anchors to files instead (see startLocalPipeline).
    anchorBucket: aws.bucket,
    // The handlers publish to the runtime's own publisher instead (see startLocalPipeline).
    completionTopicArn: LOCAL_COMPLETION_TOPIC,
    secrets: {
      postgres: secret('postgres'),
      postgresErasure: secret('postgresErasure'),
      erasureMaskKey: secret('erasureMaskKey'),
      snowflake: secret('snowflake'),
      subjectHashKey: secret('subjectHashKey'),
      pagerDutyRoutingKey: secret('pagerDutyRoutingKey'),
      snowflakeReader: secret('snowflakeReader'),
      snowflakeErasure: secret('snowflakeErasure'),
    },
  };
  const deployed = functionEnvironments(settings.environment, references);
  const plain: Record<string, Record<string, string>> = {
    PG_SECRET_ARN: { PG_DSN: standIns.pgDsn },
    DSR_ERASURE_PG_SECRET_ARN: { DSR_ERASURE_PG_DSN: standIns.erasurePgDsn },
    DSR_ERASURE_MASK_KEY_SECRET_ARN: { DSR_ERASURE_MASK_KEY: standIns.erasureMaskKey },
    SNOWFLAKE_ERASURE_PRIVATE_KEY_SECRET_ID: { SNOWFLAKE_ERASURE_PASSWORD: standIns.snowflake.password },
    SNOWFLAKE_READER_PRIVATE_KEY_SECRET_ID: { SNOWFLAKE_READER_PASSWORD: standIns.snowflake.password },
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
