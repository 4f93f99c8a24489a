import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { erasesSnowflake } from '../functions/erase/eraseEnv';
import { snowflakeSearchReason } from '../functions/extract/extractEnv';
import type { EnvironmentSettings } from '../functions/functionEnvironments';
import type { DataMap } from '../shared/datamap/dataMapSchema';
import { parseDataMap } from '../shared/datamap/loadDataMap';
import { TEXT_SCAN_MAX_ROWS } from '../shared/erasure/scanTextColumns';
import { packageFile } from '../shared/package/packageFile';
import type { DsrBridgeProps } from './DsrBridgeProps';

/**
 * Default coverage bar. Not 100: detection samples at most a thousand rows per table and counts a
 * column when half its samples match, so a column of look-alikes (reference numbers shaped like
 * phone numbers, free text quoting an address) can count as PII until someone adds it to the map's
 * `exclude` list. 95 pages on a real drop (a new table or system the map misses) without paging on
 * one such column in a large estate; `UnmappedPiiColumns` on the dashboard shows every single one.
 */
const DEFAULT_MIN_COVERAGE_PERCENT = 95;

/** `DsrBridgeProps` validated, with every default applied and the data map read. */
export interface BridgeSettings {
  readonly dataMapFile: string;
  readonly dataMap: DataMap;
  /** Why the extractors search Snowflake (from the data map), or undefined when they do not. */
  readonly extractorSnowflake: string | undefined;
  readonly highConcurrency: number;
  readonly standardConcurrency: number;
  readonly maintenanceWindow: string;
  readonly scanSchedule: string;
  readonly minCoveragePercent: number;
  /** Memory of each extractor and of the erase function, MiB. */
  readonly extractMemoryMiB: number;
  readonly eraseMemoryMiB: number;
  /** What decides the functions' environments (see `functionEnvironments`). */
  readonly environment: EnvironmentSettings;
}

const integerIn = (name: string, value: number, min: number, max: number) => {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be an integer between ${min} and ${max} inclusive (given ${value})`);
};

/**
 * Checks the props before any resource is made, each refusal naming the setting, the value given
 * and the fix, and applies the defaults. A function deployed without the settings its
 * configuration requires would fail every invocation at cold start: such props are refused here,
 * naming the context to give. Pure but for reading the data map, and free of CDK, so the local
 * runtime resolves the same defaults without loading it.
 */
export function resolveBridgeSettings(props: DsrBridgeProps): BridgeSettings {
  const highConcurrency = props.highConcurrency ?? 20;
  const standardConcurrency = props.standardConcurrency ?? 5;
  integerIn('highConcurrency', highConcurrency, 2, 1000);
  integerIn('standardConcurrency', standardConcurrency, 2, 1000);
  if (highConcurrency <= standardConcurrency) {
    throw new Error(
      `highConcurrency must be above standardConcurrency (given ${highConcurrency} ≤ ${standardConcurrency})`,
    );
  }
  const maintenanceWindow = props.maintenanceWindow ?? 'cron(0 3 ? * SUN *)';
  const scanSchedule = props.scanSchedule ?? 'cron(0 4 ? * MON *)';
  for (const [name, value] of [
    ['maintenanceWindow', maintenanceWindow],
    ['scanSchedule', scanSchedule],
  ] as const) {
    if (!/^cron\([^)]+\)$/.test(value)) {
      throw new Error(
        `${name} must be an EventBridge Scheduler cron(…) expression (given ${JSON.stringify(value)})`,
      );
    }
  }
  const minCoveragePercent = props.minCoveragePercent ?? DEFAULT_MIN_COVERAGE_PERCENT;
  if (!Number.isFinite(minCoveragePercent) || minCoveragePercent <= 0 || minCoveragePercent > 100) {
    throw new Error(
      `minCoveragePercent must be above 0 and at most 100 (given ${minCoveragePercent}); 100 pages on any unmapped PII-bearing column`,
    );
  }
  const approvalMaxRows = props.approvalMaxRows ?? 1000;
  integerIn('approvalMaxRows', approvalMaxRows, 1, 100_000_000);
  const approvalAlarmHours = props.approvalAlarmHours ?? 24;
  integerIn('approvalAlarmHours', approvalAlarmHours, 1, 8760);
  const backupDays = props.pgBackupRetentionDays;
  if (backupDays !== undefined) integerIn('pgBackupRetentionDays', backupDays, 0, 36_500);
  const proofScanTextRows = props.proofScanTextRows;
  if (proofScanTextRows !== undefined)
    integerIn('proofScanTextRows', proofScanTextRows, 1, TEXT_SCAN_MAX_ROWS);
  const extractMemoryMiB = props.extractMemoryMiB ?? 512;
  integerIn('extractMemoryMiB', extractMemoryMiB, 128, 10_240);
  const eraseMemoryMiB = props.eraseMemoryMiB ?? 1024;
  integerIn('eraseMemoryMiB', eraseMemoryMiB, 128, 10_240);
  const maxReceiveCount = props.maxReceiveCount ?? 5;
  integerIn('maxReceiveCount', maxReceiveCount, 1, 1000);
  const deadlineAlarmShare = props.deadlineAlarmShare ?? 0.8;
  if (!(deadlineAlarmShare > 0 && deadlineAlarmShare <= 1))
    throw new Error(`deadlineAlarmShare must be above 0 and at most 1 (given ${deadlineAlarmShare})`);
  for (const day of props.holidays ?? [])
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day))
      throw new Error(`holidays must be dates as YYYY-MM-DD (given ${JSON.stringify(day)})`);

  const dataMapFile = props.dataMapFile ?? join(packageFile('.'), 'local/sample/datamap.yaml');
  const dataMap = parseDataMap(readFileSync(dataMapFile, 'utf8'), dataMapFile);
  const searchMirrors = props.searchMirrors ?? false;
  const extractorSnowflake = snowflakeSearchReason(dataMap, searchMirrors);
  const erases = erasesSnowflake(dataMap);
  const sf = props.snowflake;
  if (!sf) {
    throw new Error(
      'The gate and the loader need Snowflake: give the context values snowflakeAccount, snowflakeUser, snowflakeWarehouse, snowflakeDatabase and snowflakeSchema (see the README, Deploying)',
    );
  }
  if (extractorSnowflake && !sf.reader) {
    throw new Error(
      `The extractors search Snowflake (${extractorSnowflake}): give the context values snowflakeReaderUser and snowflakeReaderRole, a read-only user and role (see the README, Deploying)`,
    );
  }
  if (erases && !sf.eraser) {
    const tables = dataMap.snowflake.filter(
      (t) => t.erasure?.action === 'delete' || t.erasure?.action === 'mask',
    ).length;
    throw new Error(
      `The erase function deletes or masks Snowflake rows (the data map has ${tables} Snowflake table(s) with a delete or mask rule): give the context values snowflakeErasureUser and snowflakeErasureRole, the user and role only it may use (see the README, Deploying)`,
    );
  }
  return {
    dataMapFile,
    dataMap,
    extractorSnowflake,
    highConcurrency,
    standardConcurrency,
    maintenanceWindow,
    scanSchedule,
    minCoveragePercent,
    extractMemoryMiB,
    eraseMemoryMiB,
    environment: {
      snowflake: sf,
      extractorsSearchSnowflake: extractorSnowflake !== undefined,
      erasesSnowflake: erases,
      searchMirrors,
      maxReceiveCount,
      approvalMaxRows,
      approvalAlarmHours,
      pgBackupRetentionDays: backupDays,
      proofScanTextRows,
      deadlineAlarmShare,
      holidays: props.holidays ?? [],
    },
  };
}
