import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { CliError, EXIT } from '../../cli/CliError';
import type { LocalSnowflake } from '../../local/snowflake/startLocalSnowflake';
import { isDsrError } from '../../shared/errors/DsrError';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMMANDER = pathToFileURL(createRequire(import.meta.url).resolve('commander')).href;

/** What a `dsr` command run in a child process answered. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The commands of each program written by {@link writeCliProgram}, by its path. */
const programs = new Map<string, Readonly<Record<string, string>>>();

/**
 * Writes a program that registers the given commands as `cli/main.ts` registers them, with its
 * mapping of errors to exit codes. {@link runCli} runs those commands in the test's own process;
 * {@link runCliProcess} runs the written program as the `dsr` binary runs, in a child process (for
 * what only a process shows: exit on a signal, a heap cap, output streamed while it runs).
 * `commands` maps each command's module (`report` for `cli/commands/report.ts`) to its `register…`
 * function. Returns the program's path.
 */
export async function writeCliProgram(
  dir: string,
  name: string,
  commands: Readonly<Record<string, string>>,
): Promise<string> {
  const entries = Object.entries(commands);
  const text = `
import { Command, CommanderError } from '${COMMANDER}';
import { CliError, EXIT } from '${ROOT}cli/CliError.ts';
import { isDsrError } from '${ROOT}shared/errors/DsrError.ts';
${entries.map(([module, register]) => `import { ${register} } from '${ROOT}cli/commands/${module}.ts';`).join('\n')}

const program = new Command('dsr').exitOverride();
${entries.map(([, register]) => `${register}(program);`).join('\n')}
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
  process.exitCode = EXIT.ok;
} catch (error) {
  if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  else if (error instanceof CliError) {
    process.stderr.write('dsr: ' + error.message + '\\n');
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write('dsr: ' + (error instanceof Error ? error.message : String(error)) + '\\n');
    process.exitCode = isDsrError(error) && error.code === 'CONFIG_INVALID' ? EXIT.usage : EXIT.failed;
  }
}
`;
  const path = join(dir, `${name}.mts`);
  await writeFile(path, text);
  programs.set(path, commands);
  return path;
}

/**
 * Runs the commands of a program written by {@link writeCliProgram} with `args`, in this process:
 * the same registration and mapping of errors to exit codes as the program, with `env` set and
 * stdout and stderr captured for the call. Calls run one at a time (they share the process's
 * environment and streams). A path that no {@link writeCliProgram} wrote runs in a child process.
 */
export function runCli(
  program: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  const commands = programs.get(program);
  if (!commands) return runCliProcess(program, args, env);
  const run = queue.then(() => runInProcess(commands, args, env));
  queue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

let queue: Promise<void> = Promise.resolve();

async function runInProcess(
  commands: Readonly<Record<string, string>>,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<CliRun> {
  const program = new Command('dsr').exitOverride();
  for (const [module, register] of Object.entries(commands)) {
    const loaded = (await import(`${ROOT}cli/commands/${module}.ts`)) as Record<
      string,
      (parent: Command) => void
    >;
    const registerCommand = loaded[register];
    if (!registerCommand) throw new Error(`cli/commands/${module}.ts exports no ${register}`);
    registerCommand(program);
  }
  return captured(env, async () => {
    try {
      await program.parseAsync([...args], { from: 'user' });
      return EXIT.ok;
    } catch (error) {
      if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      if (error instanceof CliError) {
        process.stderr.write(`dsr: ${error.message}\n`);
        return error.exitCode;
      }
      process.stderr.write(`dsr: ${error instanceof Error ? error.message : String(error)}\n`);
      return isDsrError(error) && error.code === 'CONFIG_INVALID' ? EXIT.usage : EXIT.failed;
    }
  });
}

/**
 * Runs the whole `dsr` program (`cli/main.ts`: every command, its groups, its mapping of errors to
 * exit codes) with `args` in this process, with `env` set and stdout and stderr captured for the
 * call. What `bin/dsr.js` adds around it (the exit cleanup, the process's exit code) is tested with
 * the compiled binary in `test/integration/cli/compiledCli.test.ts`.
 */
export function runDsr(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const run = queue.then(async () => {
    const { runCli: runMain } = await import('../../cli/main');
    return captured(env, () => runMain(args));
  });
  queue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

/** Runs `work` with `env` set and stdout and stderr captured, then puts both back. */
async function captured(env: NodeJS.ProcessEnv, work: () => Promise<number>): Promise<CliRun> {
  const saved = Object.keys(env).map((key) => [key, process.env[key]] as const);
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  const stdout: string[] = [];
  const stderr: string[] = [];
  const writes = { out: process.stdout.write, err: process.stderr.write };
  const capture =
    (into: string[]) =>
    (chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') queueMicrotask(() => done());
      return true;
    };
  process.stdout.write = capture(stdout) as typeof process.stdout.write;
  process.stderr.write = capture(stderr) as typeof process.stderr.write;
  let code: number;
  try {
    code = await work();
  } finally {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

/** Runs a program written by {@link writeCliProgram} with `args` in a child process, its environment `env` added. */
export function runCliProcess(
  program: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', program, ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The `SNOWFLAKE_*` settings that point a command at the local endpoint and an evidence location. */
export function localSnowflakeCliEnv(
  sf: LocalSnowflake,
  at: { readonly database: string; readonly schema: string },
  login: { readonly user: string; readonly password: string; readonly role?: string } = {
    user: 'DSR',
    password: 'dsr',
  },
): Record<string, string> {
  return {
    SNOWFLAKE_ACCOUNT: sf.account,
    SNOWFLAKE_USER: login.user,
    SNOWFLAKE_PASSWORD: login.password,
    ...(login.role ? { SNOWFLAKE_ROLE: login.role } : {}),
    SNOWFLAKE_ACCESS_URL: sf.url,
    SNOWFLAKE_LOAD_DATABASE: at.database,
    SNOWFLAKE_LOAD_SCHEMA: at.schema,
    SNOWFLAKE_LOG_LEVEL: 'OFF',
  };
}
