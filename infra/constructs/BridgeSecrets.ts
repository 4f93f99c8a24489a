import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/** The secrets the bridge's functions read; the two Snowflake users exist only when the data map needs them. */
export type BridgeSecrets = Readonly<
  Record<
    | 'postgres'
    | 'postgresErasure'
    | 'erasureMaskKey'
    | 'snowflake'
    | 'subjectHashKey'
    | 'pagerDutyRoutingKey',
    secretsmanager.ISecret
  >
> & {
  readonly snowflakeReader?: secretsmanager.ISecret;
  readonly snowflakeErasure?: secretsmanager.ISecret;
};
