import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { postgresEnv, readConfig, subjectHashKeyEnv } from '../../shared/config/readConfig';
import { loadDataMap } from '../../shared/datamap/loadDataMap';
import { formatPreview } from '../../shared/datamapPreview/formatPreview';
import { previewDataMap } from '../../shared/datamapPreview/previewDataMap';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { openPgDatabase } from '../../shared/postgres/openPgDatabase';
import type { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import { CliError, EXIT } from '../CliError';
import { addFormatOption, writeResult } from '../OutputFormat';

interface PreviewOptions {
  datamap: string;
  sample: number;
  maxRows?: number;
  maxShare?: number;
  format: 'table' | 'json';
}

/**
 * `dsr datamap preview --datamap FILE [--sample N] [--max-rows R] [--max-share S] [--format json]`:
 * what requests would return under the map, on a deterministic sample of subjects; exit 1 when a
 * sampled subject is over a limit.
 */
export function registerDatamapPreview(datamap: Command): void {
  const command = datamap
    .command('preview')
    .description(
      'discover, read-only, a deterministic sample of subjects per learning table and print the rows each table would return; exit 1 over --max-rows/--max-share',
    )
    .requiredOption('--datamap <file>', 'data map YAML')
    .option('--sample <n>', 'subjects sampled per learning table', positiveInt, 10)
    .option(
      '--max-rows <n>',
      'a subject reaching more rows than this, in all, fails the preview',
      positiveInt,
    )
    .option(
      '--max-share <share>',
      'a subject reaching a larger share (0–1] of a table fails the preview',
      share,
    );
  addFormatOption(command, 'table').action(async (options: PreviewOptions) => {
    const dsn = process.env.PG_DSN;
    if (!dsn)
      throw new CliError('PG_DSN is not set (postgres://user:password@host:port/database)', EXIT.usage);
    const { DSR_SUBJECT_HASH_KEY: key } = readConfig(subjectHashKeyEnv);
    const map = await loadDataMap(options.datamap);
    const db = openPgDatabase(readConfig(postgresEnv), new DsnCredentialSource(dsn));
    let warehouse: SnowflakeDatabase | undefined;
    try {
      if (map.snowflake.length > 0 && process.env.SNOWFLAKE_ACCOUNT) {
        // Loaded only here: a PostgreSQL-only preview does not pay for the Snowflake driver.
        const { openSnowflakeFromEnv } = await import('../../adapters/aws/openSnowflakeFromEnv');
        warehouse = openSnowflakeFromEnv({ SNOWFLAKE_LOG_LEVEL: 'OFF', ...process.env }).db;
      } else if (map.snowflake.length > 0) {
        process.stderr.write(
          'Snowflake is not configured (SNOWFLAKE_ACCOUNT is not set): previewing PostgreSQL only.\n',
        );
      }
      const preview = await previewDataMap(
        db,
        map,
        {
          sample: options.sample,
          subjectHashKey: key,
          maxRows: options.maxRows,
          maxShare: options.maxShare,
          file: options.datamap,
        },
        warehouse,
      );
      writeResult(options.format, preview, () => formatPreview(preview));
      if (preview.breaches.length > 0)
        throw new CliError(
          `${preview.breaches.length} sampled subjects would receive more than the limits allow: check the follow edges of the tables named`,
          EXIT.failed,
        );
    } finally {
      await warehouse?.close();
      await db.end();
    }
  });
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > 1_000_000_000)
    throw new InvalidArgumentError(`must be a whole number from 1 to 1000000000 (given ${value})`);
  return n;
}

function share(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1)
    throw new InvalidArgumentError(`must be a share above 0 and at most 1, e.g. 0.1 (given ${value})`);
  return n;
}
