import { Command, CommanderError } from 'commander';
import { isDsrError } from '../shared/errors/DsrError';
import { CliError, EXIT } from './CliError';

type Register = (parent: Command) => void;

/**
 * Each command's module, loaded on demand: the modules pull in their drivers (the AWS SDK, the
 * Snowflake driver, …), so `dsr discover` imports only what discovery needs. The order is the
 * order `--help` lists the commands in.
 */
const COMMANDS: readonly {
  readonly group?: 'datamap' | 'local';
  readonly name: string;
  load(): Promise<Register>;
}[] = [
  {
    group: 'datamap',
    name: 'validate',
    load: async () => (await import('./commands/datamapValidate')).registerDatamapValidate,
  },
  {
    group: 'datamap',
    name: 'init',
    load: async () => (await import('./commands/datamapInit')).registerDatamapInit,
  },
  {
    group: 'datamap',
    name: 'scan',
    load: async () => (await import('./commands/datamapScan')).registerDatamapScan,
  },
  {
    group: 'datamap',
    name: 'grants',
    load: async () => (await import('./commands/datamapGrants')).registerDatamapGrants,
  },
  { name: 'discover', load: async () => (await import('./commands/discover')).registerDiscover },
  { name: 'erase', load: async () => (await import('./commands/erase')).registerErase },
  { name: 'drift', load: async () => (await import('./commands/drift')).registerDrift },
  { name: 'demo', load: async () => (await import('./commands/demo')).registerDemo },
  { name: 'up', load: async () => (await import('./commands/up')).registerUp },
  { name: 'submit', load: async () => (await import('./commands/submit')).registerSubmit },
  { name: 'status', load: async () => (await import('./commands/status')).registerStatus },
  { name: 'redrive', load: async () => (await import('./commands/redrive')).registerRedrive },
  { name: 'report', load: async () => (await import('./commands/report')).registerReport },
  { name: 'extend', load: async () => (await import('./commands/extend')).registerExtend },
  { name: 'cancel', load: async () => (await import('./commands/cancel')).registerCancel },
  { name: 'approve', load: async () => (await import('./commands/approve')).registerApprove },
  { name: 'verify', load: async () => (await import('./commands/verify')).registerVerify },
  { name: 'anchor', load: async () => (await import('./commands/anchor')).registerAnchor },
  { name: 'doctor', load: async () => (await import('./commands/doctor')).registerDoctor },
  {
    group: 'local',
    name: 'snowflake',
    load: async () => (await import('./commands/localSnowflake')).registerLocalSnowflake,
  },
];

/**
 * The commands `argv` can run: those under its first word when that names a command or a group,
 * every command otherwise (help, a mistyped command), so help and commander's suggestions see them all.
 */
export function commandsFor(argv: readonly string[]): readonly (typeof COMMANDS)[number][] {
  const first = argv[0];
  const named = COMMANDS.filter((c) => (c.group ?? c.name) === first);
  return named.length > 0 ? named : COMMANDS;
}

/**
 * Builds the `dsr` program with the commands `argv` can run (every command when `argv` is not
 * given). Exported for tests, which run it in-process.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('dsr')
    .description('dsr-bridge: find every record about one person across PostgreSQL and Snowflake')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  const commands = argv === undefined ? COMMANDS : commandsFor(argv);
  const registers = await Promise.all(commands.map((c) => c.load()));
  const groups = new Map<string, Command>();
  const groupOf = (name: 'datamap' | 'local'): Command => {
    let group = groups.get(name);
    if (!group) {
      group = program
        .command(name)
        .description(
          name === 'datamap' ? 'work with data map files' : 'run parts of the product on this machine',
        )
        .exitOverride();
      groups.set(name, group);
    }
    return group;
  };
  for (const [i, c] of commands.entries()) registers[i]?.(c.group ? groupOf(c.group) : program);
  return program;
}

/** Runs the program and returns the exit code; errors become one clear message on stderr. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync([...argv], { from: 'user' });
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
