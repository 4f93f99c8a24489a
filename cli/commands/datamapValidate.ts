import type { Command } from 'commander';
import { postgresEnv, readConfig } from '../../shared/config/readConfig';
import { dataMapWarnings } from '../../shared/datamap/dataMapWarnings';
import { formatPath, loadDataMap } from '../../shared/datamap/loadDataMap';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { openPgDatabase } from '../../shared/postgres/openPgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import { CliError, EXIT } from '../CliError';

/** `dsr datamap validate FILE [--catalog]` */
export function registerDatamapValidate(datamap: Command): void {
  datamap
    .command('validate')
    .description(
      'check a data map file; exit 0 when valid (warnings included), 1 with the problems otherwise',
    )
    .argument('<file>', 'data map YAML')
    .option('--catalog', 'also check every table and column against the live PostgreSQL catalog (PG_DSN)')
    .action(async (file: string, options: { catalog?: boolean }) => {
      const map = await loadDataMap(file);
      if (options.catalog) {
        const dsn = process.env.PG_DSN;
        if (!dsn)
          throw new CliError(
            '--catalog needs PG_DSN (postgres://user:password@host:port/database)',
            EXIT.usage,
          );
        const db = openPgDatabase(readConfig(postgresEnv), new DsnCredentialSource(dsn));
        try {
          await PostgresTableSearcher.create(db, map, file);
        } finally {
          await db.end();
        }
      }
      // Warnings do not change the exit code: the map is valid, but may make findings overreach.
      for (const warning of dataMapWarnings(map))
        process.stdout.write(`${file}: warning: ${formatPath(warning.path)}: ${warning.message}\n`);
      process.stdout.write(
        `${file}: valid (${Object.keys(map.identities).length} identity kinds, ${map.postgres.length} PostgreSQL tables, ` +
          `${map.snowflake.length} Snowflake tables${options.catalog ? ', matches the PostgreSQL catalog' : ''})\n`,
      );
    });
}
