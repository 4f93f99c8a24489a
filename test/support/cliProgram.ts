import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LocalSnowflake } from '../../local/snowflake/startLocalSnowflake';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMMANDER = pathToFileURL(createRequire(import.meta.url).resolve('commander')).href;

/** What a `dsr` command run in a child process answered. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Writes a program that registers the given commands as `cli/main.ts` registers them, with its
 * mapping of errors to exit codes, so a test runs them as the `dsr` binary runs them: in a child
 * process. `commands` maps each command's module (`report` for `cli/commands/report.ts`) to its
 * `register…` function. Returns the program's path.
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
  return path;
}

/** Runs a program written by {@link writeCliProgram} with `args`, its environment `env` added. */
export function runCli(
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
