import type { Command } from 'commander';
import { CliError, EXIT } from '../CliError';

/**
 * `dsr local snowflake [--port 8085] [--host 127.0.0.1] [--db FILE]` — a local endpoint the
 * Snowflake Node driver connects to, backed by DuckDB; runs until SIGINT or SIGTERM.
 */
export function registerLocalSnowflake(local: Command): void {
  local
    .command('snowflake')
    .description('serve a local Snowflake endpoint (DuckDB behind the REST protocol the Node driver speaks)')
    .option('--port <port>', 'TCP port to listen on (0 picks a free one)', '8085')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--db <file>', 'DuckDB file to keep the data in (default: in memory)')
    .action(async (options: { port: string; host: string; db?: string }) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) {
        throw new CliError(
          `--port must be an integer between 0 and 65535 (given ${options.port})`,
          EXIT.usage,
        );
      }
      // Loaded on demand: DuckDB is not needed by the other commands.
      const { startLocalSnowflake } = await import('../../local/snowflake/startLocalSnowflake');
      const server = await startLocalSnowflake({ port, host: options.host, dbPath: options.db });
      process.stdout.write(
        `${[
          `local Snowflake listening on ${server.url} (${options.db ? `DuckDB file ${options.db}` : 'in memory'})`,
          'driver settings:',
          `  accessUrl: '${server.url}'`,
          `  account:   '${server.account}'`,
          "  username:  'DSR'",
          "  password:  'dsr'",
          'environment: SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true SF_OCSP_RESPONSE_CACHE_SERVER_ENABLED=false',
          'press Ctrl+C to stop',
        ].join('\n')}\n`,
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
      process.stdout.write('local Snowflake stopped\n');
    });
}
