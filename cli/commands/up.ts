import type { Command } from 'commander';
import { CliError, EXIT } from '../CliError';

interface UpOptions {
  datamap: string;
  state: string;
}

/** Exit codes of a process stopped by a signal, as a shell reports them (128 + signal number). */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * `dsr up --datamap FILE [--state DIR]` — the pipeline on this machine against `PG_DSN` (and the
 * user's Snowflake when `SNOWFLAKE_*` is set), in the foreground until Ctrl+C.
 */
export function registerUp(program: Command): void {
  program
    .command('up')
    .description(
      'run the pipeline on this machine against your PostgreSQL (PG_DSN) until Ctrl+C; ' +
        'dsr submit, status, approve, extend, cancel and report work against it from another terminal',
    )
    .requiredOption('--datamap <file>', 'your data map')
    .option('--state <dir>', 'where the runtime keeps its state (warehouse, bucket, ledger, keys)', '.dsr')
    .addHelpText(
      'after',
      '\nIt writes DIR/env: source it in another terminal (`. .dsr/env`). Stopped and started again, it ' +
        'submits again every request the ledger does not show finished. With SNOWFLAKE_ACCOUNT set, the ' +
        'evidence and ledger go to your Snowflake (SNOWFLAKE_DATABASE/SCHEMA) instead of the local endpoint.',
    )
    .action(async (options: UpOptions) => {
      // Everything the runtime writes (warehouse file, bucket objects, journal) is the owner's alone.
      process.umask(0o077);
      const { runUp, UpConfigError } = await import('../../local/pipeline/runUp');
      let signal: keyof typeof SIGNAL_EXIT | undefined;
      const stopped = new Promise<void>((resolve) => {
        const on = (name: keyof typeof SIGNAL_EXIT) => () => {
          signal ??= name;
          resolve();
        };
        process.once('SIGINT', on('SIGINT'));
        process.once('SIGTERM', on('SIGTERM'));
      });
      let summary: Awaited<ReturnType<typeof runUp>>;
      try {
        summary = await runUp({
          dataMapFile: options.datamap,
          stateDir: options.state,
          env: process.env,
          stopped,
          print: (line) => process.stdout.write(`${line}\n`),
        });
      } catch (error) {
        if (error instanceof UpConfigError) throw new CliError(error.message, EXIT.usage);
        throw error;
      }
      const name = signal ?? 'SIGTERM';
      throw new CliError(
        `stopped on ${name}; ${summary.unfinished} unfinished request(s) resume on the next start (state in ${options.state})`,
        SIGNAL_EXIT[name],
      );
    });
}
