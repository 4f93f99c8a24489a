import type { Command } from 'commander';
import { CliError } from '../CliError';

/** `dsr demo [--out DIR]` — the whole product on one machine, nothing but this repository. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run discovery end to end on an embedded PostgreSQL with the sample data')
    .option('--out <dir>', 'where the findings files go', 'out')
    .action(async (options: { out: string }) => {
      // Loaded on demand: the local servers are not needed by the other commands.
      const { runDemo } = await import('../../local/demo/runDemo');
      const code = await runDemo({ outDir: options.out });
      if (code !== 0) throw new CliError('the demo did not reach the expected results', code);
    });
}
