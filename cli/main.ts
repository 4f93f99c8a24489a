import { Command, CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { isDsrError } from '../shared/errors/DsrError';
import { classifyPgError } from '../shared/postgres/classifyPgError';
import { CliError, EXIT } from './CliError';
import { installExitCleanup } from './installExitCleanup';

type Register = (parent: Command) => void;

interface CommandEntry {
  readonly group?: 'datamap' | 'local';
  readonly name: string;
  /** One line for the command list of `dsr --help`, which loads no command module. */
  readonly summary: string;
  load(): Promise<Register>;
}

/**
 * Each command's module, loaded on demand: the modules pull in their drivers (the AWS SDK, the
 * Snowflake driver, …), so `dsr discover` imports only what discovery needs and `dsr --help` none.
 * The order is the order `--help` lists the commands in.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    group: 'datamap',
    name: 'validate',
    summary: 'check a data map file (and, with --live, the catalog)',
    load: async () => (await import('./commands/datamapValidate')).registerDatamapValidate,
  },
  {
    group: 'datamap',
    name: 'init',
    summary: 'propose a starting data map from the live catalog',
    load: async () => (await import('./commands/datamapInit')).registerDatamapInit,
  },
  {
    group: 'datamap',
    name: 'scan',
    summary: 'find columns holding personal data that the data map does not reach',
    load: async () => (await import('./commands/datamapScan')).registerDatamapScan,
  },
  {
    group: 'datamap',
    name: 'preview',
    summary: 'print the rows a request would return per table for a sample of subjects',
    load: async () => (await import('./commands/datamapPreview')).registerDatamapPreview,
  },
  {
    group: 'datamap',
    name: 'grants',
    summary: 'print the SQL of the least-privilege erasure roles',
    load: async () => (await import('./commands/datamapGrants')).registerDatamapGrants,
  },
  {
    name: 'discover',
    summary: 'find every row about one subject and print the canonical findings JSON',
    load: async () => (await import('./commands/discover')).registerDiscover,
  },
  {
    name: 'erase',
    summary: 'erase one subject: plan, execute, prove, print the receipt',
    load: async () => (await import('./commands/erase')).registerErase,
  },
  {
    name: 'drift',
    summary: 'compare each PostgreSQL table with its Snowflake mirror',
    load: async () => (await import('./commands/drift')).registerDrift,
  },
  {
    name: 'demo',
    summary: 'run the whole product on this machine with the sample data',
    load: async () => (await import('./commands/demo')).registerDemo,
  },
  {
    name: 'up',
    summary: 'run the local pipeline against your own PostgreSQL until stopped',
    load: async () => (await import('./commands/up')).registerUp,
  },
  {
    name: 'submit',
    summary: 'validate an intake message and send it to an intake queue',
    load: async () => (await import('./commands/submit')).registerSubmit,
  },
  {
    name: 'status',
    summary: "print a request's ledger history and current state",
    load: async () => (await import('./commands/status')).registerStatus,
  },
  {
    name: 'redrive',
    summary: 'move dead-letter messages back to their source queues',
    load: async () => (await import('./commands/redrive')).registerRedrive,
  },
  {
    name: 'report',
    summary: "rebuild a request's findings and write its report",
    load: async () => (await import('./commands/report')).registerReport,
  },
  {
    name: 'extend',
    summary: "extend a request's deadline once, as its jurisdiction allows",
    load: async () => (await import('./commands/extend')).registerExtend,
  },
  {
    name: 'cancel',
    summary: 'end a request in the cancelled state',
    load: async () => (await import('./commands/cancel')).registerCancel,
  },
  {
    name: 'approve',
    summary: 'approve the erasure plan a request is waiting with',
    load: async () => (await import('./commands/approve')).registerApprove,
  },
  {
    name: 'verify',
    summary: "recompute the ledger's hash chains and check the anchors",
    load: async () => (await import('./commands/verify')).registerVerify,
  },
  {
    name: 'anchor',
    summary: "write today's ledger anchor once",
    load: async () => (await import('./commands/anchor')).registerAnchor,
  },
  {
    name: 'doctor',
    summary: 'rehearse a deploy: check every dependency as the functions use it',
    load: async () => (await import('./commands/doctor')).registerDoctor,
  },
  {
    group: 'local',
    name: 'snowflake',
    summary: 'serve a local Snowflake endpoint',
    load: async () => (await import('./commands/localSnowflake')).registerLocalSnowflake,
  },
];

const GROUPS = {
  datamap: 'work with data map files',
  local: 'run parts of the product on this machine',
} as const;

/**
 * The commands `argv` runs: those under its first word when that names a command or a group;
 * none otherwise (help, `--version`, a mistyped command), which the command list answers alone.
 */
export function commandsFor(argv: readonly string[]): readonly CommandEntry[] {
  const first = argv[0];
  return COMMANDS.filter((c) => (c.group ?? c.name) === first);
}

/**
 * Builds the `dsr` program. With `argv`, only the modules of the command it names are loaded; the
 * others are listed by name and summary (so help and commander's suggestions see them all).
 * Without `argv`, every command is loaded. Exported for tests, which run it in-process.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('dsr')
    .description('dsr-bridge: find every record about one person across PostgreSQL and Snowflake')
    .version(packageJson.version, '-V, --version', 'print the version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  const loaded = argv === undefined ? COMMANDS : commandsFor(argv);
  const registers = await Promise.all(loaded.map((c) => c.load()));
  const groups = new Map<string, Command>();
  const groupOf = (name: 'datamap' | 'local'): Command => {
    let group = groups.get(name);
    if (!group) {
      group = program.command(name).description(GROUPS[name]).exitOverride();
      groups.set(name, group);
    }
    return group;
  };
  for (const c of COMMANDS) {
    const parent = c.group ? groupOf(c.group) : program;
    const at = loaded.indexOf(c);
    if (at >= 0) registers[at]?.(parent);
    else parent.command(c.name).summary(c.summary);
  }
  for (const c of COMMANDS) {
    const parent = c.group ? groups.get(c.group) : program;
    parent?.commands.find((command) => command.name() === c.name)?.summary(c.summary);
  }
  return program;
}

/** Typed errors that mean the command line itself is wrong (exit 2): a setting, an output path. */
const USAGE_ERRORS: ReadonlySet<string> = new Set(['CONFIG_INVALID', 'OUTPUT_PATH_REFUSED']);

/**
 * The message of an error no command classified. A PostgreSQL error that reached here unclassified
 * is classified now, so its message is one that quotes no value (`classifyPgError`).
 */
function lastMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  if (!isDsrError(error) && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code))
    return classifyPgError(error).message;
  return error.message;
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
    if (isDsrError(error) && USAGE_ERRORS.has(error.code)) {
      process.stderr.write(`dsr: ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`dsr: ${lastMessage(error)}\n`);
    return EXIT.failed;
  }
}

/**
 * The `dsr` process's entry (`bin/dsr.js`): temporary files are removed on every way out (see
 * {@link installExitCleanup}), then the command runs.
 */
export async function main(argv: readonly string[]): Promise<number> {
  installExitCleanup();
  return runCli(argv);
}
