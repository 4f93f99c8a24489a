import type { Command } from 'commander';
import { openSnowflakeFromEnv } from '../../adapters/aws/openSnowflakeFromEnv';
import { postgresEnv, readConfig } from '../../shared/config/readConfig';
import { loadDataMap } from '../../shared/datamap/loadDataMap';
import { formatDriftVerdict } from '../../shared/drift/formatDriftVerdict';
import { openDriftGate } from '../../shared/drift/openDriftGate';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { openPgDatabase } from '../../shared/postgres/openPgDatabase';
import { CliError, EXIT } from '../CliError';
import { addFormatOption, writeResult } from '../OutputFormat';
import { pgDsnFromEnv } from '../parseSubjects';

interface DriftOptions {
  datamap: string;
  format: 'table' | 'json';
  threshold?: number;
}

/** `dsr drift --datamap FILE [--format table|json] [--threshold PCT]` */
export function registerDrift(program: Command): void {
  const command = program
    .command('drift')
    .description(
      'compare each PostgreSQL table with its Snowflake mirror; exit 0 when the gate passes, 1 when it would halt',
    )
    .requiredOption('--datamap <file>', 'data map YAML')
    .option('--threshold <pct>', 'halt above this percentage of drifted columns (default 5)', parseThreshold);
  addFormatOption(command, 'table').action(async (options: DriftOptions) => {
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
      writeResult(options.format, verdict, () => formatDriftVerdict(verdict));
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

function parseThreshold(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100)
    throw new CliError(`--threshold takes a percentage between 0 and 100 inclusive`, EXIT.usage);
  return n;
}
