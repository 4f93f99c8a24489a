import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSampleData } from '../../../local/sample/generateSampleData';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

interface Imports {
  /** The exit code of each run, in order. */
  codes: number[];
  imports: string[];
}

/**
 * Runs the `dsr` program in a fresh child process and returns the modules it imported: once with
 * `args`, or once for each argument list of `each`, one after another in that one process (the
 * imports are then those of all the runs together).
 */
function importsOf(
  args: string[],
  env: Record<string, string | undefined> = {},
  each?: readonly string[][],
): Promise<Imports> {
  return new Promise((resolve, reject) => {
    const argv = each ? ['--each', JSON.stringify(each)] : args;
    const child = spawn(process.execPath, ['test/support/cliImports.mjs', ...argv], {
      env: { ...process.env, PG_DSN: undefined, SNOWFLAKE_ACCOUNT: undefined, ...env },
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    });
    let report = '';
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      report += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', () => resolve(JSON.parse(report) as Imports));
  });
}

const SNOWFLAKE_OR_AWS = /\/node_modules\/(snowflake-sdk|@aws-sdk\/)|\/shared\/snowflake\/|\/adapters\/aws\//;

let sample: TestDatabase;

beforeAll(async () => {
  sample = await createTestDatabase('cli_imports');
  await generateSampleData(sample.dsn, { scale: 0.02 });
});

afterAll(async () => {
  await sample.drop();
});

describe('Command start-up: each command loads its own modules', () => {
  it('a PostgreSQL-only discovery loads neither the Snowflake driver nor the AWS SDK', async () => {
    const run = await importsOf(
      ['discover', '--datamap', 'local/sample/datamap.yaml', '--subject', 'email=Ana.Lopez@example.com'],
      { PG_DSN: sample.dsn, DSR_SUBJECT_HASH_KEY: 'imports-test-subject-hash-key-0123456789' },
    );
    expect(run.codes).toEqual([0]);
    expect(run.imports.some((u) => u.endsWith('/shared/postgres/PostgresTableSearcher.ts'))).toBe(true);
    expect(run.imports.filter((u) => SNOWFLAKE_OR_AWS.test(u))).toEqual([]);
  });

  it('a command that needs the AWS SDK loads it, so the check above can see it', async () => {
    const run = await importsOf(['doctor', '--help']);
    expect(run.codes).toEqual([0]);
    expect(run.imports.some((u) => u.includes('/node_modules/@aws-sdk/client-s3/'))).toBe(true);
    expect(run.imports.some((u) => u.endsWith('/cli/commands/discover.ts'))).toBe(false);
  });

  it('help and --version load no command module', async () => {
    // One process for the three: a module any of them loaded would be in the list.
    const run = await importsOf([], {}, [['--help'], ['--version'], ['no-such-command']]);
    expect(run.codes).toEqual([0, 0, 2]);
    expect(run.imports.some((u) => u.endsWith('/cli/main.ts'))).toBe(true);
    expect(run.imports.filter((u) => u.includes('/cli/commands/'))).toEqual([]);
    expect(run.imports.filter((u) => SNOWFLAKE_OR_AWS.test(u))).toEqual([]);
  });
});
