import type { Command } from 'commander';
import { loadDataMap } from '../../shared/datamap/loadDataMap';
import { type ErasureGrants, erasureGrants } from '../../shared/erasure/erasureGrants';

interface GrantsOptions {
  datamap: string;
  pgRole: string;
  snowflakeRole: string;
  snowflakeWarehouse: string;
}

/** `dsr datamap grants --datamap FILE [--pg-role NAME] [--snowflake-role NAME] [--snowflake-warehouse NAME]` */
export function registerDatamapGrants(datamap: Command): void {
  datamap
    .command('grants')
    .description(
      'print the SQL that makes the erasure roles with the least privileges the data map needs (nothing is run)',
    )
    .requiredOption('--datamap <file>', 'data map YAML')
    .option('--pg-role <name>', 'PostgreSQL erasure role', 'dsr_erasure')
    .option('--snowflake-role <name>', 'Snowflake erasure role', 'DSR_ERASURE')
    .option('--snowflake-warehouse <name>', 'warehouse the Snowflake erasure user runs in', 'DSR_WH')
    .action(async (options: GrantsOptions) => {
      const map = await loadDataMap(options.datamap);
      const grants = erasureGrants(map, {
        pgRole: options.pgRole,
        snowflakeRole: options.snowflakeRole,
        snowflakeWarehouse: options.snowflakeWarehouse,
      });
      process.stdout.write(formatGrants(grants, options.datamap));
    });
}

/** The grants as an annotated SQL script, PostgreSQL first, then Snowflake. */
export function formatGrants(grants: ErasureGrants, file: string): string {
  const lines: string[] = [
    `-- Erasure roles for ${file} (dsr datamap grants). Names are quoted as given.`,
    '',
  ];
  const { postgres: pg, snowflake: sf } = grants;
  lines.push('-- PostgreSQL: the role of DSR_ERASURE_PG_SECRET_ARN, held by the erase function only.');
  if (pg.statements.length === 0)
    lines.push('-- The data map deletes and masks no PostgreSQL rows: no role is needed.');
  else {
    lines.push(
      '-- Give it a password (ALTER ROLE … PASSWORD) and put it in the secret. It must hold nothing',
      '-- else: no ownership, no membership in another role, no other grant (check with \\dp and \\du).',
      '-- UPDATE on one column of a delete table is there only because SELECT … FOR UPDATE, which',
      '-- locks the rows before they are deleted, requires it.',
    );
    const setup = pg.statements.length - pg.tables.reduce((n, t) => n + t.statements.length, 0);
    lines.push(...pg.statements.slice(0, setup));
    for (const t of pg.tables) lines.push(`-- ${t.table}: ${t.action}`, ...t.statements);
  }
  lines.push('', '-- Snowflake: the role of SNOWFLAKE_ERASURE_USER, held by the erase function only.');
  if (sf.statements.length === 0)
    lines.push('-- The data map deletes and masks no Snowflake rows: no role is needed.');
  else {
    lines.push(
      "-- Then: CREATE USER … DEFAULT_ROLE = <this role> RSA_PUBLIC_KEY = '…'; GRANT ROLE <this role> TO USER …;",
      "-- Snowflake grants UPDATE per table, not per column: a mask table's role may update any of its columns.",
    );
    const setup = sf.statements.length - sf.tables.reduce((n, t) => n + t.statements.length, 0);
    lines.push(...sf.statements.slice(0, setup));
    for (const t of sf.tables) lines.push(`-- ${t.table}: ${t.action}`, ...t.statements);
  }
  return `${lines.join('\n')}\n`;
}
