import type { Command } from 'commander';
import { openSnowflakeFromEnv } from '../../adapters/aws/openSnowflakeFromEnv';
import { postgresEnv, readConfig } from '../../shared/config/readConfig';
import { loadDataMap } from '../../shared/datamap/loadDataMap';
import { formatDriftVerdict } from '../../shared/drift/formatDriftVerdict';
import { openDriftGate } from '../../shared/drift/openDriftGate';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { openPgDatabase } from '../../shared/postgres/openPgDatabase';
import { CliError, EXIT } from '../CliError';
import { pgDsnFromEnv } from '../parseSubjects';

interface DriftOptions {
  datamap: string;
  format: 'table' | 'json';
  threshold?: number;
}

/** `dsr drift --datamap FILE [--format table|json] [--threshold PCT]` */
export function registerDrift(program: Command): void {
  program
    .command('drift')
    .description(
      'compare each PostgreSQL table with its Snowflake mirror; exit 0 when the gate passes, 1 when it would halt',
    )
    .requiredOption('--datamap <file>', 'data map YAML')
    .option('--format <format>', 'table or json', parseFormat, 'table')
    .option('--threshold <pct>', 'halt above this percentage of drifted columns (default 5)', parseThreshold)
    .action(async (options: DriftOptions) => {
      const dsn = pgDsnFromEnv();
      const pgEnv = readConfig(postgresEnv);
      const map = await loadDataMap(options.datamap);
      const pg = openPgDatabase(pgEnv, new DsnCredentialSource(dsn));
      const sf = openSnowflakeFromEnv(process.env).db;
      try {
        const gate = openDriftGate({
          dataMap: map,
          postgres: pg,
          snowflake: sf,
          thresholdPercent: options.threshold,
          cacheTtlMs: 0,
        });
        const verdict = await gate.check();
        process.stdout.write(
          options.format === 'json' ? `${JSON.stringify(verdict, null, 2)}\n` : formatDriftVerdict(verdict),
        );
        if (verdict.halt) {
          const corrupting = verdict.findings.filter((f) => f.corrupting).length;
          throw new CliError(
            `the drift gate would halt: ${corrupting} corrupting finding${corrupting === 1 ? '' : 's'}, ` +
              `${verdict.driftPercent}% drift (threshold ${verdict.thresholdPercent}%)`,
            EXIT.failed,
          );
        }
      } finally {
        await Promise.allSettled([pg.end(), sf.close()]);
      }
    });
}

function parseFormat(value: string): 'table' | 'json' {
  if (value !== 'table' && value !== 'json') throw new CliError(`--format takes table or json`, EXIT.usage);
  return value;
}

function parseThreshold(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100)
    throw new CliError(`--threshold takes a percentage between 0 and 100 inclusive`, EXIT.usage);
  return n;
}
