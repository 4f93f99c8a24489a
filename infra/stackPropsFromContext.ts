import { Duration } from 'aws-cdk-lib';
import type { DsrBridgeStackProps, SnowflakeSettings } from './DsrBridgeStack';

/** Context values `cdk deploy -c key=value` (or cdk.json) may set; see the README's deploy section. */
export interface DeployContext {
  readonly pagerDutyUrl?: string;
  readonly vpcId?: string;
  readonly availabilityZones?: string;
  readonly privateSubnetIds?: string;
  readonly securityGroupIds?: string;
  readonly postgresSecretArn?: string;
  readonly rotatePostgresSecret?: string | boolean;
  readonly snowflakeSecretArn?: string;
  readonly subjectHashKeySecretArn?: string;
  readonly pagerDutyRoutingKeySecretArn?: string;
  readonly snowflakeAccount?: string;
  readonly snowflakeUser?: string;
  readonly snowflakeWarehouse?: string;
  readonly snowflakeDatabase?: string;
  readonly snowflakeSchema?: string;
  readonly snowflakeRole?: string;
  readonly snowflakeReaderUser?: string;
  readonly snowflakeReaderRole?: string;
  readonly snowflakeReaderSecretArn?: string;
  readonly snowflakeErasureUser?: string;
  readonly snowflakeErasureRole?: string;
  readonly snowflakeErasureSecretArn?: string;
  readonly pgErasureSecretArn?: string;
  readonly erasureMaskKeySecretArn?: string;
  readonly approvalMaxRows?: string | number;
  readonly extractMemoryMiB?: string | number;
  readonly eraseMemoryMiB?: string | number;
  readonly approvalAlarmHours?: string | number;
  readonly pgBackupRetentionDays?: string | number;
  readonly proofScanTextRows?: string | number;
  readonly snowflakeProxyHost?: string;
  readonly snowflakeProxyPort?: string | number;
  readonly searchMirrors?: string | boolean;
  readonly maintenanceWindow?: string;
  readonly scanSchedule?: string;
  readonly minCoveragePercent?: string | number;
  readonly maxReceiveCount?: string | number;
  readonly highConcurrency?: string | number;
  readonly standardConcurrency?: string | number;
  readonly oldestRequestAgeMinutes?: string | number;
  readonly dataMapFile?: string;
  readonly anchorRetentionDays?: string | number;
  readonly deadlineAlarmShare?: string | number;
  /** Comma-separated `YYYY-MM-DD`. */
  readonly holidays?: string;
}

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) ?? [];
const int = (name: string, value: string | number | undefined): number | undefined => {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n))
    throw new Error(`context ${name} must be a whole number (given ${JSON.stringify(value)})`);
  return n;
};

const num = (name: string, value: string | number | undefined): number | undefined => {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n))
    throw new Error(`context ${name} must be a number (given ${JSON.stringify(value)})`);
  return n;
};

/**
 * Turns context values into stack props, without any lookup, so `cdk synth` works offline: the VPC
 * is described by ids, which the stack imports (`Vpc.fromVpcAttributes`) instead of looking it up.
 */
export function stackPropsFromContext(ctx: DeployContext): DsrBridgeStackProps {
  let networkIds: DsrBridgeStackProps['networkIds'];
  if (ctx.vpcId) {
    const subnets = list(ctx.privateSubnetIds);
    const zones = list(ctx.availabilityZones);
    if (subnets.length === 0 || zones.length !== subnets.length) {
      throw new Error(
        `context vpcId needs privateSubnetIds and availabilityZones of the same length (given ${subnets.length} subnets, ${zones.length} zones)`,
      );
    }
    networkIds = {
      vpcId: ctx.vpcId,
      availabilityZones: zones,
      privateSubnetIds: subnets,
      securityGroupIds: list(ctx.securityGroupIds),
    };
  }
  const snowflakeKeys = [
    ctx.snowflakeAccount,
    ctx.snowflakeUser,
    ctx.snowflakeWarehouse,
    ctx.snowflakeDatabase,
    ctx.snowflakeSchema,
  ];
  let snowflake: SnowflakeSettings | undefined;
  if (snowflakeKeys.some(Boolean)) {
    if (!snowflakeKeys.every(Boolean)) {
      throw new Error(
        'context snowflakeAccount, snowflakeUser, snowflakeWarehouse, snowflakeDatabase and snowflakeSchema go together',
      );
    }
    if (Boolean(ctx.snowflakeReaderUser) !== Boolean(ctx.snowflakeReaderRole)) {
      throw new Error('context snowflakeReaderUser and snowflakeReaderRole go together');
    }
    if (Boolean(ctx.snowflakeErasureUser) !== Boolean(ctx.snowflakeErasureRole)) {
      throw new Error('context snowflakeErasureUser and snowflakeErasureRole go together');
    }
    if (
      Boolean(ctx.snowflakeProxyHost) !==
      (ctx.snowflakeProxyPort !== undefined && ctx.snowflakeProxyPort !== '')
    ) {
      throw new Error('context snowflakeProxyHost and snowflakeProxyPort go together');
    }
    const proxyPort = int('snowflakeProxyPort', ctx.snowflakeProxyPort);
    if (proxyPort !== undefined && (proxyPort < 1 || proxyPort > 65535)) {
      throw new Error(`context snowflakeProxyPort must be a port, 1–65535 (given ${proxyPort})`);
    }
    snowflake = {
      account: ctx.snowflakeAccount as string,
      user: ctx.snowflakeUser as string,
      warehouse: ctx.snowflakeWarehouse as string,
      database: ctx.snowflakeDatabase as string,
      schema: ctx.snowflakeSchema as string,
      role: ctx.snowflakeRole,
      ...(ctx.snowflakeProxyHost && proxyPort !== undefined
        ? { proxy: { host: ctx.snowflakeProxyHost, port: proxyPort } }
        : {}),
      ...(ctx.snowflakeReaderUser && ctx.snowflakeReaderRole
        ? { reader: { user: ctx.snowflakeReaderUser, role: ctx.snowflakeReaderRole } }
        : {}),
      ...(ctx.snowflakeErasureUser && ctx.snowflakeErasureRole
        ? { eraser: { user: ctx.snowflakeErasureUser, role: ctx.snowflakeErasureRole } }
        : {}),
    };
  }
  const minutes = int('oldestRequestAgeMinutes', ctx.oldestRequestAgeMinutes);
  return {
    pagerDutyUrl: ctx.pagerDutyUrl || undefined,
    networkIds,
    postgresSecretArn: ctx.postgresSecretArn,
    rotatePostgresSecret: ctx.rotatePostgresSecret === true || ctx.rotatePostgresSecret === 'true',
    snowflakeSecretArn: ctx.snowflakeSecretArn,
    snowflakeReaderSecretArn: ctx.snowflakeReaderSecretArn,
    snowflakeErasureSecretArn: ctx.snowflakeErasureSecretArn,
    pgErasureSecretArn: ctx.pgErasureSecretArn,
    erasureMaskKeySecretArn: ctx.erasureMaskKeySecretArn,
    approvalMaxRows: int('approvalMaxRows', ctx.approvalMaxRows),
    extractMemoryMiB: int('extractMemoryMiB', ctx.extractMemoryMiB),
    eraseMemoryMiB: int('eraseMemoryMiB', ctx.eraseMemoryMiB),
    approvalAlarmHours: int('approvalAlarmHours', ctx.approvalAlarmHours),
    pgBackupRetentionDays: int('pgBackupRetentionDays', ctx.pgBackupRetentionDays),
    proofScanTextRows: int('proofScanTextRows', ctx.proofScanTextRows),
    searchMirrors: ctx.searchMirrors === true || ctx.searchMirrors === 'true',
    subjectHashKeySecretArn: ctx.subjectHashKeySecretArn,
    pagerDutyRoutingKeySecretArn: ctx.pagerDutyRoutingKeySecretArn,
    snowflake,
    maintenanceWindow: ctx.maintenanceWindow,
    scanSchedule: ctx.scanSchedule,
    minCoveragePercent: num('minCoveragePercent', ctx.minCoveragePercent),
    maxReceiveCount: int('maxReceiveCount', ctx.maxReceiveCount),
    highConcurrency: int('highConcurrency', ctx.highConcurrency),
    standardConcurrency: int('standardConcurrency', ctx.standardConcurrency),
    oldestRequestAge: minutes === undefined ? undefined : Duration.minutes(minutes),
    dataMapFile: ctx.dataMapFile,
    anchorRetentionDays: int('anchorRetentionDays', ctx.anchorRetentionDays),
    deadlineAlarmShare: num('deadlineAlarmShare', ctx.deadlineAlarmShare),
    holidays: list(ctx.holidays),
  };
}
