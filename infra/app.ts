import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DsrBridgeStack, type DsrBridgeStackProps } from './DsrBridgeStack';
import { type DeployContext, stackPropsFromContext } from './stackPropsFromContext';

const CONTEXT_KEYS: (keyof DeployContext)[] = [
  'pagerDutyUrl',
  'vpcId',
  'availabilityZones',
  'privateSubnetIds',
  'securityGroupIds',
  'postgresSecretArn',
  'rotatePostgresSecret',
  'snowflakeSecretArn',
  'subjectHashKeySecretArn',
  'pagerDutyRoutingKeySecretArn',
  'snowflakeAccount',
  'snowflakeUser',
  'snowflakeWarehouse',
  'snowflakeDatabase',
  'snowflakeSchema',
  'snowflakeRole',
  'snowflakeReaderUser',
  'snowflakeReaderRole',
  'snowflakeReaderSecretArn',
  'snowflakeErasureUser',
  'snowflakeErasureRole',
  'snowflakeErasureSecretArn',
  'pgErasureSecretArn',
  'erasureMaskKeySecretArn',
  'approvalMaxRows',
  'extractMemoryMiB',
  'eraseMemoryMiB',
  'approvalAlarmHours',
  'pgBackupRetentionDays',
  'proofScanTextRows',
  'snowflakeProxyHost',
  'snowflakeProxyPort',
  'searchMirrors',
  'maintenanceWindow',
  'scanSchedule',
  'minCoveragePercent',
  'maxReceiveCount',
  'highConcurrency',
  'standardConcurrency',
  'oldestRequestAgeMinutes',
  'dataMapFile',
  'anchorRetentionDays',
  'deadlineAlarmShare',
  'holidays',
];

/**
 * Builds the app: the stack from context values, with cdk-nag's AWS Solutions checks on every synth.
 * Tests pass `overrides` (e.g. handler entries) on top of the context.
 */
export function buildApp(
  app = new App(),
  overrides: Partial<DsrBridgeStackProps> = {},
): { app: App; stack: DsrBridgeStack } {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const context = Object.fromEntries(
    CONTEXT_KEYS.map((key) => [key, app.node.tryGetContext(key)]).filter(([, v]) => v !== undefined),
  ) as DeployContext;
  const stack = new DsrBridgeStack(app, 'DsrBridgeStack', {
    ...stackPropsFromContext(context),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    ...overrides,
  });
  return { app, stack };
}

if (process.argv[1]?.endsWith('app.ts')) {
  buildApp().app.synth();
}
