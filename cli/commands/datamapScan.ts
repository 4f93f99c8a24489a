import { type Command, InvalidArgumentError, Option } from 'commander';
import { openSnowflakeFromEnv } from '../../adapters/aws/openSnowflakeFromEnv';
import { postgresEnv, readConfig } from '../../shared/config/readConfig';
import { loadDataMap } from '../../shared/datamap/loadDataMap';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { openPgDatabase } from '../../shared/postgres/openPgDatabase';
import { formatScanReport, type ScanReportFormat } from '../../shared/scan/formatScanReport';
import { PostgresScanSource } from '../../shared/scan/PostgresScanSource';
import type { ScanSource } from '../../shared/scan/ScanSource';
import { SnowflakeScanSource } from '../../shared/scan/SnowflakeScanSource';
import { scanForPii } from '../../shared/scan/scanForPii';
import { snowflakeDatabasesOf } from '../../shared/scan/snowflakeDatabasesOf';
import { snowflakeExecuteOver } from '../../shared/scan/snowflakeExecuteOver';
import type { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import { CliError, EXIT } from '../CliError';
import { pgDsnFromEnv } from '../parseSubjects';

interface ScanOptions {
  datamap: string;
  format: ScanReportFormat;
  minCoverage?: number;
  sampleRows: number;
  threshold: number;
  schema?: string[];
  snowflakeDatabase?: string[];
}

/** `dsr datamap scan --datamap FILE [--format json|table] [--min-coverage N] [--sample-rows N] …` */
export function registerDatamapScan(datamap: Command): void {
  datamap
    .command('scan')
    .description(
      'sample every table, find columns holding personal data, and report those the data map does not reach',
    )
    .requiredOption('--datamap <file>', 'data map YAML')
    .addOption(new Option('--format <format>', 'report format').choices(['table', 'json']).default('table'))
    .option('--min-coverage <percent>', 'exit 1 when fewer PII-bearing columns are reached (0–100)', percent)
    .option('--sample-rows <n>', 'rows sampled per table at most', positiveInt, 1000)
    .option('--threshold <share>', 'share of samples that must match for a column to count (0–1]', share, 0.5)
    .option(
      '--schema <name>',
      'PostgreSQL schema to scan; repeat for more (default: all but system schemas)',
      collect,
    )
    .option(
      '--snowflake-database <name>',
      'Snowflake database to scan; repeat for more (default: those the data map names)',
      collect,
    )
    .action(async (options: ScanOptions) => {
      const dsn = pgDsnFromEnv();
      const env = readConfig(postgresEnv);
      const map = await loadDataMap(options.datamap);
      const db = openPgDatabase(env, new DsnCredentialSource(dsn));
      let snowflake: SnowflakeDatabase | undefined;
      try {
        const sources: ScanSource[] = [new PostgresScanSource(db, { schemas: options.schema ?? [] })];
        if (process.env.SNOWFLAKE_ACCOUNT) {
          const setup = openSnowflakeFromEnv(process.env);
          snowflake = setup.db;
          const defaultDatabase = setup.env.SNOWFLAKE_DATABASE;
          const databases = options.snowflakeDatabase ?? snowflakeDatabasesOf(map, defaultDatabase);
          if (databases.length === 0)
            throw new CliError(
              'no Snowflake database to scan: name one with --snowflake-database or SNOWFLAKE_DATABASE',
              EXIT.usage,
            );
          sources.push(new SnowflakeScanSource({ execute: snowflakeExecuteOver(snowflake), databases }));
        } else {
          process.stderr.write('SNOWFLAKE_ACCOUNT is not set: only PostgreSQL was scanned.\n');
        }
        const report = await scanForPii(sources, map, {
          sampleRows: options.sampleRows,
          threshold: options.threshold,
          concurrency: env.DSR_TABLE_CONCURRENCY,
        });
        process.stdout.write(formatScanReport(report, options.format));
        if (report.notScanned.length > 0 && options.minCoverage !== undefined) {
          throw new CliError(
            `${report.notScanned.length} tables could not be sampled, so coverage cannot be vouched for (see the report)`,
            EXIT.failed,
          );
        }
        const { reached, found } = report.coverage;
        // Compared unrounded, so 66.66…% does not pass a 66.7 bar.
        if (options.minCoverage !== undefined && found > 0 && (reached / found) * 100 < options.minCoverage) {
          throw new CliError(
            `coverage ${report.coverage.percent.toFixed(1)}% is below --min-coverage ${options.minCoverage}: ` +
              `${found - reached} PII-bearing columns are not reached by ${options.datamap}`,
            EXIT.failed,
          );
        }
      } finally {
        await db.end();
        await snowflake?.close();
      }
    });
}

/** Databases the data map names in its Snowflake tables and mirrors, or the session's default. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > 1_000_000)
    throw new InvalidArgumentError(`must be a whole number from 1 to 1000000 (given ${value})`);
  return n;
}

function percent(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100)
    throw new InvalidArgumentError(`must be a percentage from 0 to 100 (given ${value})`);
  return n;
}

function share(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1)
    throw new InvalidArgumentError(`must be a share above 0 and at most 1, e.g. 0.5 (given ${value})`);
  return n;
}
