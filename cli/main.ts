import { Command, CommanderError } from 'commander';
import { isDsrError } from '../shared/errors/DsrError';
import { CliError, EXIT } from './CliError';
import { registerAnchor } from './commands/anchor';
import { registerCancel } from './commands/cancel';
import { registerDatamapInit } from './commands/datamapInit';
import { registerDatamapScan } from './commands/datamapScan';
import { registerDatamapValidate } from './commands/datamapValidate';
import { registerDemo } from './commands/demo';
import { registerDiscover } from './commands/discover';
import { registerDoctor } from './commands/doctor';
import { registerDrift } from './commands/drift';
import { registerErase } from './commands/erase';
import { registerExtend } from './commands/extend';
import { registerLocalSnowflake } from './commands/localSnowflake';
import { registerRedrive } from './commands/redrive';
import { registerReport } from './commands/report';
import { registerStatus } from './commands/status';
import { registerSubmit } from './commands/submit';
import { registerVerify } from './commands/verify';

/** Builds the `dsr` program. Exported for tests, which run it in-process. */
export function buildProgram(): Command {
  const program = new Command('dsr')
    .description('dsr-bridge: find every record about one person across PostgreSQL and Snowflake')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  const datamap = program.command('datamap').description('work with data map files').exitOverride();
  registerDatamapValidate(datamap);
  registerDatamapInit(datamap);
  registerDatamapScan(datamap);
  registerDiscover(program);
  registerErase(program);
  registerDrift(program);
  registerDemo(program);
  registerSubmit(program);
  registerStatus(program);
  registerRedrive(program);
  registerReport(program);
  registerExtend(program);
  registerCancel(program);
  registerVerify(program);
  registerAnchor(program);
  registerDoctor(program);
  const local = program
    .command('local')
    .description('run parts of the product on this machine')
    .exitOverride();
  registerLocalSnowflake(local);
  return program;
}

/** Runs the program and returns the exit code; errors become one clear message on stderr. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander; bad usage was already printed by it.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`dsr: ${error.message}\n`);
      return error.exitCode;
    }
    if (isDsrError(error) && error.code === 'CONFIG_INVALID') {
      process.stderr.write(`dsr: ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`dsr: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
}
