import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { openSnowflakeFromEnv } from '../../adapters/aws/openSnowflakeFromEnv';
import { postgresEnv, readConfig, subjectHashKeyEnv } from '../../shared/config/readConfig';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { annotateWithPreview } from '../../shared/datamapInit/annotateWithPreview';
import { DEFAULT_LIMITS } from '../../shared/datamapInit/buildInitialDataMap';
import { initDataMap } from '../../shared/datamapInit/initDataMap';
import { renderInitialDataMap } from '../../shared/datamapInit/renderInitialDataMap';
import { formatPreview } from '../../shared/datamapPreview/formatPreview';
import { previewDataMap } from '../../shared/datamapPreview/previewDataMap';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { openPgDatabase } from '../../shared/postgres/openPgDatabase';
import { SnowflakeScanSource } from '../../shared/scan/SnowflakeScanSource';
import { snowflakeExecuteOver } from '../../shared/scan/snowflakeExecuteOver';
import type { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import { CliError, EXIT } from '../CliError';

interface InitOptions {
  out?: string;
  schema?: string[];
  sampleRows: number;
  overlapSample: number;
  overlapThreshold: number;
  snowflakeDatabase?: string[];
  maxFanout: number;
  maxShare: number;
  previewSample: number;
  previewSeconds: number;
}

/**
 * `dsr datamap init [--out FILE] [--schema NAME …] [--sample-rows N] [--overlap-sample N]
 * [--overlap-threshold SHARE] [--snowflake-database NAME …] [--max-fanout N] [--max-share SHARE]
 * [--preview-sample N] [--preview-seconds S]`. With `DSR_SUBJECT_HASH_KEY` set, previews its own
 * proposal on a sample of subjects and comments the edges of every table over the limits.
 */
export function registerDatamapInit(datamap: Command): void {
  datamap
    .command('init')
    .description(
      'propose a starting data map from the live PostgreSQL catalog (and Snowflake, when configured)',
    )
    .option('--out <file>', 'write the YAML here instead of stdout')
    .option(
      '--schema <name>',
      'PostgreSQL schema to map; repeat for more (default: all but system schemas)',
      collect,
    )
    .option(
      '--sample-rows <n>',
      'rows sampled per table to recognise identity columns by value',
      positiveInt,
      200,
    )
    .option(
      '--overlap-sample <n>',
      'distinct values of a column named like a reference compared with the table it names',
      positiveInt,
      200,
    )
    .option(
      '--overlap-threshold <share>',
      'share of those values that must be found for the reference to be proposed (0–1]',
      share,
      0.9,
    )
    .option('--snowflake-database <name>', 'Snowflake database to match mirrors in; repeat for more', collect)
    .option(
      '--max-fanout <n>',
      'an edge whose typical key reaches more rows than this is written commented out',
      positiveInt,
      DEFAULT_LIMITS.maxFanout,
    )
    .option(
      '--max-share <share>',
      'an edge (or a previewed subject) reaching more of a table than this share is flagged (0–1]',
      share,
      DEFAULT_LIMITS.maxShare,
    )
    .option(
      '--preview-sample <n>',
      'subjects previewed per learning table (needs DSR_SUBJECT_HASH_KEY)',
      positiveInt,
      5,
    )
    .option(
      '--preview-seconds <s>',
      'no previewed subject is started after this many seconds',
      positiveInt,
      60,
    )
    .action(async (options: InitOptions) => {
      const dsn = process.env.PG_DSN;
      if (!dsn)
        throw new CliError('PG_DSN is not set (postgres://user:password@host:port/database)', EXIT.usage);
      const db = openPgDatabase(readConfig(postgresEnv), new DsnCredentialSource(dsn));
      let snowflake: SnowflakeDatabase | undefined;
      try {
        let snowflakeSource: SnowflakeScanSource | undefined;
        if (process.env.SNOWFLAKE_ACCOUNT) {
          const setup = openSnowflakeFromEnv(process.env);
          snowflake = setup.db;
          const defaultDatabase = setup.env.SNOWFLAKE_DATABASE;
          const databases = options.snowflakeDatabase ?? (defaultDatabase ? [defaultDatabase] : []);
          if (databases.length === 0)
            throw new CliError(
              'no Snowflake database to read: name one with --snowflake-database or SNOWFLAKE_DATABASE',
              EXIT.usage,
            );
          snowflakeSource = new SnowflakeScanSource({ execute: snowflakeExecuteOver(snowflake), databases });
        } else {
          process.stderr.write(
            'SNOWFLAKE_ACCOUNT is not set: only PostgreSQL was read, no mirrors proposed.\n',
          );
        }
        const proposal = await initDataMap(db, {
          schemas: options.schema ?? [],
          sampleRows: options.sampleRows,
          overlapSample: options.overlapSample,
          overlapThreshold: options.overlapThreshold,
          snowflake: snowflakeSource,
          limits: { maxFanout: options.maxFanout, maxShare: options.maxShare },
        });
        if (proposal.identities.size === 0)
          throw new CliError(
            'no column looks like an identity (an e-mail or phone column, or the key of a table of people): write the identities by hand',
            EXIT.failed,
          );
        const source = snowflakeSource ? 'the PostgreSQL and Snowflake catalogs' : 'the PostgreSQL catalog';
        let yaml = renderInitialDataMap(proposal, source);
        // The proposal must be a valid map; a failure here is a fault of this command, reported as such.
        const map = parseDataMap(yaml, options.out ?? '(proposed data map)');
        const key = process.env.DSR_SUBJECT_HASH_KEY;
        if (key) {
          const { DSR_SUBJECT_HASH_KEY } = readConfig(subjectHashKeyEnv);
          const preview = await previewDataMap(db, map, {
            sample: options.previewSample,
            subjectHashKey: DSR_SUBJECT_HASH_KEY,
            maxShare: options.maxShare,
            deadlineMs: options.previewSeconds * 1000,
            file: '(proposed data map)',
          });
          yaml = renderInitialDataMap(
            annotateWithPreview(proposal, preview, { ...DEFAULT_LIMITS, maxShare: options.maxShare }),
            source,
          );
          parseDataMap(yaml, options.out ?? '(proposed data map)');
          process.stderr.write(`preview of the proposal:\n${formatPreview(preview)}`);
        } else {
          process.stderr.write(
            'DSR_SUBJECT_HASH_KEY is not set: the proposal was not previewed (run dsr datamap preview on it).\n',
          );
        }
        if (options.out) await writeFile(options.out, yaml);
        else process.stdout.write(yaml);
        process.stderr.write(
          `proposed ${proposal.postgres.length} tables and ${proposal.identities.size} identity kinds; ` +
            `${proposal.leftOut.length} tables left out (listed at the top of the file)\n`,
        );
      } finally {
        await db.end();
        await snowflake?.close();
      }
    });
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function share(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1)
    throw new InvalidArgumentError(`must be a share above 0 and at most 1, e.g. 0.9 (given ${value})`);
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > 1_000_000)
    throw new InvalidArgumentError(`must be a whole number from 1 to 1000000 (given ${value})`);
  return n;
}
