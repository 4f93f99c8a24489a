import type { Command } from 'commander';
import { CliError, EXIT } from '../CliError';
import { addFormatOption, type OutputFormat, writeEvent } from '../OutputFormat';

interface LocalSnowflakeOptions {
  port: string;
  host: string;
  db?: string;
  warehouse?: string[];
  database: string;
  schema: string;
  format: OutputFormat;
}

/** A name `SNOWFLAKE_WAREHOUSE`/`_DATABASE`/`_SCHEMA` accept: a plain identifier, which Snowflake upper-cases. */
const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * `dsr local snowflake [--port 8085] [--host 127.0.0.1] [--db FILE] [--warehouse NAME …]
 * [--database DSR] [--schema EVIDENCE]` — a local endpoint the Snowflake Node driver connects to,
 * backed by DuckDB; prints the environment that points `dsr` at it, and runs until SIGINT or SIGTERM.
 */
export function registerLocalSnowflake(local: Command): void {
  const command = local
    .command('snowflake')
    .description('serve a local Snowflake endpoint (DuckDB behind the REST protocol the Node driver speaks)')
    .option('--port <port>', 'TCP port to listen on (0 picks a free one)', '8085')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--db <file>', 'DuckDB file to keep the data in (default: in memory)')
    .option(
      '--warehouse <name>',
      'a warehouse that exists, as SNOWFLAKE_WAREHOUSE names it (upper-cased, as Snowflake reads an ' +
        'unquoted name); repeat for more; the first is the login default (default: $SNOWFLAKE_WAREHOUSE, else LOCAL_WH)',
      (value: string, previous: string[] = []) => [...previous, plainName('--warehouse', value)],
    )
    .option('--database <name>', 'a database created at start, and the one printed', 'DSR')
    .option('--schema <name>', 'a schema of --database created at start, and the one printed', 'EVIDENCE');
  addFormatOption(command).action(async (options: LocalSnowflakeOptions) => {
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new CliError(`--port must be an integer between 0 and 65535 (given ${options.port})`, EXIT.usage);
    }
    const fromEnv = process.env.SNOWFLAKE_WAREHOUSE;
    const warehouses = options.warehouse ?? [
      fromEnv ? plainName('SNOWFLAKE_WAREHOUSE', fromEnv) : 'LOCAL_WH',
    ];
    const database = plainName('--database', options.database);
    const schema = plainName('--schema', options.schema);
    // Loaded on demand: DuckDB is not needed by the other commands.
    const { startLocalSnowflake } = await import('../../local/snowflake/startLocalSnowflake');
    const { formatEnvFile, localSnowflakeEnv } = await import('../../local/snowflake/localSnowflakeEnv');
    const server = await startLocalSnowflake({
      port,
      host: options.host,
      dbPath: options.db,
      warehouses,
      schemas: [{ database, schema }],
    });
    const env = localSnowflakeEnv(server, { warehouse: warehouses[0] as string, database, schema });
    writeEvent(
      options.format,
      {
        event: 'listening',
        url: server.url,
        db: options.db ?? null,
        warehouses,
        database,
        schema,
        env,
      },
      () =>
        `local Snowflake listening on ${server.url} (${options.db ? `DuckDB file ${options.db}` : 'in memory'}); ` +
        `warehouses ${warehouses.join(', ')}; database ${database}, schema ${schema}\n` +
        'set these where dsr (or another snowflake-sdk program) runs:\n' +
        formatEnvFile(env) +
        'press Ctrl+C to stop\n',
    );
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.stop();
    writeEvent(options.format, { event: 'stopped' }, () => 'local Snowflake stopped\n');
  });
}

/** A plain identifier, upper-cased as Snowflake resolves it; a usage error naming `what` otherwise. */
function plainName(what: string, value: string): string {
  if (!PLAIN_IDENTIFIER.test(value))
    throw new CliError(
      `${what} must be a plain identifier (letters, digits, _ or $), as the SNOWFLAKE_* settings take it (given ${JSON.stringify(value)})`,
      EXIT.usage,
    );
  return value.toUpperCase();
}
