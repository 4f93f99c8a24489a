import type { Command } from 'commander';
import { postgresEnv, readConfig } from '../../shared/config/readConfig';
import { tablesWithoutErasureRule } from '../../shared/datamap/checkDataMapStructure';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import { dataMapWarnings } from '../../shared/datamap/dataMapWarnings';
import { disclosureGaps } from '../../shared/datamap/disclosureGaps';
import { formatPath, loadDataMap } from '../../shared/datamap/loadDataMap';
import { DataMapError } from '../../shared/errors/errors';
import { checkLearnedColumns } from '../../shared/postgres/checkLearnedColumns';
import { checkSearchIndexes, type SearchWarning } from '../../shared/postgres/checkSearchIndexes';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { openPgDatabase } from '../../shared/postgres/openPgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import { readPgCatalog } from '../../shared/postgres/readPgCatalog';
import { addFormatOption, type OutputFormat, writeResult } from '../OutputFormat';
import { pgDsnFromEnv } from '../parseSubjects';

interface ValidateOptions {
  catalog?: boolean;
  live?: boolean;
  format: OutputFormat;
}

/** What the live catalog said of the map's searches and learned columns (warnings, exit 0). */
interface LiveChecks {
  readonly searches: readonly SearchWarning[];
  readonly learned: readonly {
    readonly column: string;
    readonly identity: string;
    readonly message: string;
  }[];
}

/**
 * `dsr datamap validate FILE [--catalog | --live] [--format text|json]`. Against the live catalog it
 * also warns (on stderr, exit 0) about searches that will be slow or inexact, with the index that
 * would serve them. With `--format json` one document on stdout says all of it, an invalid map too
 * (`valid: false` and its problems, exit 1).
 */
export function registerDatamapValidate(datamap: Command): void {
  const command = datamap
    .command('validate')
    .description(
      'check a data map file; exit 0 when valid (warnings included), 1 with the problems otherwise',
    )
    .argument('<file>', 'data map YAML')
    .option('--catalog', 'also check every table and column against the live PostgreSQL catalog (PG_DSN)')
    .option('--live', 'the same as --catalog');
  addFormatOption(command).action(async (file: string, options: ValidateOptions) => {
    const live = options.catalog === true || options.live === true;
    let map: DataMap;
    try {
      map = await loadDataMap(file);
    } catch (error) {
      if (options.format === 'json' && error instanceof DataMapError)
        writeResult('json', { file, valid: false, problems: error.problems }, () => '');
      throw error;
    }
    const checks = live ? await liveChecks(file, map, options) : undefined;
    const warnings = dataMapWarnings(map).map((w) => ({ path: formatPath(w.path), message: w.message }));
    const gaps = disclosureGaps(map).map((g) => ({ path: formatPath(g.path), message: g.message }));
    const noRule = tablesWithoutErasureRule(map).map((t) => ({ system: t.system, table: t.table }));
    const result = {
      file,
      valid: true,
      identityKinds: Object.keys(map.identities).length,
      postgresTables: map.postgres.length,
      snowflakeTables: map.snowflake.length,
      live,
      warnings,
      ...(checks
        ? {
            searchWarnings: checks.searches.map((w) => ({
              column: w.column,
              searchedAs: w.searchedAs,
              message: w.message,
              ...(w.createIndex ? { createIndex: w.createIndex } : {}),
            })),
            learnedColumnWarnings: checks.learned,
          }
        : {}),
      disclosureGaps: gaps,
      tablesWithoutErasureRule: noRule,
    };
    if (checks && options.format !== 'json') {
      for (const w of checks.searches)
        process.stderr.write(
          `${file}: warning: ${w.column} (${w.searchedAs}): ${w.message}\n${w.createIndex ? `  ${w.createIndex}\n` : ''}`,
        );
      for (const r of checks.learned)
        process.stderr.write(`${file}: warning: ${r.column} (learn ${r.identity}): ${r.message}\n`);
    }
    writeResult(options.format, result, () => {
      // Warnings do not change the exit code: the map is valid, but may make findings overreach.
      let text = warnings.map((w) => `${file}: warning: ${w.path}: ${w.message}\n`).join('');
      // Not an error either: what the subject's package would leave unsaid, or say as a stub.
      if (gaps.length > 0)
        text +=
          `${file}: ${gaps.length} gap${gaps.length === 1 ? '' : 's'} in what the subject's package says (controller, disclosure):\n` +
          gaps.map((g) => `  ${g.path}: ${g.message}\n`).join('');
      // Not an error: such a table is left untouched by an erasure, and the receipt says so.
      if (noRule.length > 0)
        text +=
          `${file}: ${noRule.length} table${noRule.length === 1 ? '' : 's'} without an erasure rule (left untouched by erasure):\n` +
          noRule.map((t) => `  ${t.system} ${t.table}\n`).join('');
      return (
        text +
        `${file}: valid (${result.identityKinds} identity kinds, ${result.postgresTables} PostgreSQL tables, ` +
        `${result.snowflakeTables} Snowflake tables${live ? ', matches the PostgreSQL catalog' : ''})\n`
      );
    });
  });
}

async function liveChecks(file: string, map: DataMap, options: ValidateOptions): Promise<LiveChecks> {
  const dsn = pgDsnFromEnv(process.env, `--${options.live ? 'live' : 'catalog'} needs PG_DSN`);
  const db = openPgDatabase(readConfig(postgresEnv), new DsnCredentialSource(dsn));
  try {
    await PostgresTableSearcher.create(db, map, file);
    const schemas = [...new Set(map.postgres.map((t) => t.table.split('.')[0] as string))];
    const catalog = await readPgCatalog(db, schemas);
    const searches = await checkSearchIndexes(db, map, catalog);
    const learned = [...(await checkLearnedColumns(db, map, catalog))];
    // Learned Snowflake columns, when Snowflake is configured (its driver loaded only then).
    if (process.env.SNOWFLAKE_ACCOUNT && map.snowflake.some((t) => t.learn.length > 0)) {
      const { openSnowflakeFromEnv } = await import('../../adapters/aws/openSnowflakeFromEnv');
      const { checkSnowflakeLearnedColumns } = await import(
        '../../shared/snowflake/checkSnowflakeLearnedColumns'
      );
      const setup = openSnowflakeFromEnv(process.env);
      try {
        learned.push(...(await checkSnowflakeLearnedColumns(setup.db, map)));
      } finally {
        await setup.db.close();
      }
    }
    return {
      searches,
      learned: learned.map((r) => ({ column: r.column, identity: r.identity, message: r.message })),
    };
  } finally {
    await db.end();
  }
}
