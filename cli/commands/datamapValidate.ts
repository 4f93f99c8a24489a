import type { Command } from 'commander';
import { postgresEnv, readConfig } from '../../shared/config/readConfig';
import { tablesWithoutErasureRule } from '../../shared/datamap/checkDataMapStructure';
import { dataMapWarnings } from '../../shared/datamap/dataMapWarnings';
import { disclosureGaps } from '../../shared/datamap/disclosureGaps';
import { formatPath, loadDataMap } from '../../shared/datamap/loadDataMap';
import { checkLearnedColumns } from '../../shared/postgres/checkLearnedColumns';
import { checkSearchIndexes } from '../../shared/postgres/checkSearchIndexes';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { openPgDatabase } from '../../shared/postgres/openPgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import { readPgCatalog } from '../../shared/postgres/readPgCatalog';
import { pgDsnFromEnv } from '../parseSubjects';

/**
 * `dsr datamap validate FILE [--catalog | --live]`. Against the live catalog it also warns (on
 * stderr, exit 0) about searches that will be slow or inexact, with the index that would serve them.
 */
export function registerDatamapValidate(datamap: Command): void {
  datamap
    .command('validate')
    .description(
      'check a data map file; exit 0 when valid (warnings included), 1 with the problems otherwise',
    )
    .argument('<file>', 'data map YAML')
    .option('--catalog', 'also check every table and column against the live PostgreSQL catalog (PG_DSN)')
    .option('--live', 'the same as --catalog')
    .action(async (file: string, options: { catalog?: boolean; live?: boolean }) => {
      const map = await loadDataMap(file);
      const live = options.catalog === true || options.live === true;
      if (live) {
        const dsn = pgDsnFromEnv(process.env, `--${options.live ? 'live' : 'catalog'} needs PG_DSN`);
        const db = openPgDatabase(readConfig(postgresEnv), new DsnCredentialSource(dsn));
        try {
          await PostgresTableSearcher.create(db, map, file);
          const schemas = [...new Set(map.postgres.map((t) => t.table.split('.')[0] as string))];
          const catalog = await readPgCatalog(db, schemas);
          const warnings = await checkSearchIndexes(db, map, catalog);
          for (const w of warnings) {
            process.stderr.write(
              `${file}: warning: ${w.column} (${w.searchedAs}): ${w.message}\n${w.createIndex ? `  ${w.createIndex}\n` : ''}`,
            );
          }
          for (const r of await checkLearnedColumns(db, map, catalog))
            process.stderr.write(`${file}: warning: ${r.column} (learn ${r.identity}): ${r.message}\n`);
        } finally {
          await db.end();
        }
        // Learned Snowflake columns, when Snowflake is configured (its driver loaded only then).
        if (process.env.SNOWFLAKE_ACCOUNT && map.snowflake.some((t) => t.learn.length > 0)) {
          const { openSnowflakeFromEnv } = await import('../../adapters/aws/openSnowflakeFromEnv');
          const { checkSnowflakeLearnedColumns } = await import(
            '../../shared/snowflake/checkSnowflakeLearnedColumns'
          );
          const setup = openSnowflakeFromEnv(process.env);
          try {
            for (const r of await checkSnowflakeLearnedColumns(setup.db, map))
              process.stderr.write(`${file}: warning: ${r.column} (learn ${r.identity}): ${r.message}\n`);
          } finally {
            await setup.db.close();
          }
        }
      }
      // Warnings do not change the exit code: the map is valid, but may make findings overreach.
      for (const warning of dataMapWarnings(map))
        process.stdout.write(`${file}: warning: ${formatPath(warning.path)}: ${warning.message}\n`);
      // Not an error either: what the subject's package would leave unsaid, or say as a stub.
      const gaps = disclosureGaps(map);
      if (gaps.length > 0)
        process.stdout.write(
          `${file}: ${gaps.length} gap${gaps.length === 1 ? '' : 's'} in what the subject's package says (controller, disclosure):\n` +
            gaps.map((g) => `  ${formatPath(g.path)}: ${g.message}\n`).join(''),
        );
      // Not an error: such a table is left untouched by an erasure, and the receipt says so.
      const noRule = tablesWithoutErasureRule(map);
      if (noRule.length > 0)
        process.stdout.write(
          `${file}: ${noRule.length} table${noRule.length === 1 ? '' : 's'} without an erasure rule (left untouched by erasure):\n` +
            noRule.map((t) => `  ${t.system} ${t.table}\n`).join(''),
        );
      process.stdout.write(
        `${file}: valid (${Object.keys(map.identities).length} identity kinds, ${map.postgres.length} PostgreSQL tables, ` +
          `${map.snowflake.length} Snowflake tables${live ? ', matches the PostgreSQL catalog' : ''})\n`,
      );
    });
}
