import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { UpEvent } from '../../local/pipeline/UpEvent';
import { CliError, EXIT } from '../CliError';
import { addFormatOption, type OutputFormat, writeEvent } from '../OutputFormat';

interface UpOptions {
  datamap: string;
  state: string;
  format: OutputFormat;
}

/** Exit codes of a process stopped by a signal, as a shell reports them (128 + signal number). */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * `dsr up --datamap FILE [--state DIR] [--format text|json]` — the pipeline on this machine against
 * `PG_DSN` (and the user's Snowflake when `SNOWFLAKE_*` is set), in the foreground until Ctrl+C.
 * With `--format json`, every line on stdout is one JSON object: start-up, each request's progress,
 * and the stop.
 */
export function registerUp(program: Command): void {
  const command = program
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
        'evidence and ledger go to your Snowflake (SNOWFLAKE_DATABASE/SCHEMA) instead of the local endpoint. ' +
        'With --format json, each line on stdout is one JSON object with an "event" field ' +
        '(started, ready, request, completion_published_late, stopped).',
    );
  addFormatOption(command).action(async (options: UpOptions) => {
    // Everything the runtime writes (warehouse file, bucket objects, journal) is the owner's alone.
    process.umask(0o077);
    const { runUp, UpConfigError } = await import('../../local/pipeline/runUp');
    const { upEventText } = await import('../../local/pipeline/upEventText');
    const emit = (event: UpEvent) =>
      writeEvent(options.format, event, () =>
        upEventText(event)
          .map((line) => `${line}\n`)
          .join(''),
      );
    let signal: keyof typeof SIGNAL_EXIT | undefined;
    const stopped = new Promise<void>((done) => {
      const on = (name: keyof typeof SIGNAL_EXIT) => () => {
        signal ??= name;
        done();
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
        emit,
      });
    } catch (error) {
      if (error instanceof UpConfigError) throw new CliError(error.message, EXIT.usage);
      throw error;
    }
    const name = signal ?? 'SIGTERM';
    emit({
      event: 'stopped',
      signal: name,
      unfinished: summary.unfinished,
      stateDir: resolve(options.state),
    });
    throw new CliError(
      `stopped on ${name}; ${summary.unfinished} unfinished request(s) resume on the next start (state in ${options.state})`,
      SIGNAL_EXIT[name],
    );
  });
}
