import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildProgram, COMMANDS } from '../../../cli/main';
import { runDsr } from '../../support/cliProgram';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bin/dsr.js` as users do: the compiled CLI in dist/ (built once per test run). */
function dsr(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/dsr.js', ...args],
      { env: { ...process.env, DSR_CLI_SOURCE: undefined, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('Command: dsr, compiled', () => {
  it('prints the package version for --version and -V', async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V'])
      expect(await dsr([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('lists every command with its summary, and nothing on stderr', async () => {
    const run = await dsr(['--help']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    for (const c of COMMANDS.filter((c) => c.group === undefined))
      expect(run.stdout).toMatch(new RegExp(`^  ${c.name} .*${c.summary.slice(0, 20)}`, 'm'));
    expect(run.stdout).toMatch(/^ {2}datamap /m);
    expect(run.stdout).toMatch(/^ {2}local /m);
  });

  it('exits 2 for an unknown command, suggesting the near one', async () => {
    const run = await dsr(['discovr']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Did you mean discover?');
  });

  it('prints no AWS SDK Node-version warning when a command builds an AWS client', async () => {
    const args = ['submit', '--queue-url', 'http://127.0.0.1:9/000000000000/q', '--request-id', 'R-1'];
    const run = await dsr([...args, '--subject', 'email=a@example.com', '--jurisdiction', 'GDPR'], {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(/Warning|NodeVersionSupport/);
  });

  it('checks the input before connecting: a DSN that is none, an identifier its kind refuses, an unknown kind', async () => {
    // The same program in this process: the compiled `discover` runs in a process of its own in
    // dsr.test.ts, boundedHeap.test.ts and leavesNothingBehind.test.ts.
    const env = { DSR_SUBJECT_HASH_KEY: 'compiled-cli-test-subject-hash-key-0123456789' };
    const args = ['discover', '--datamap', 'local/sample/datamap.yaml', '--subject'];
    const notDsn = await runDsr([...args, 'email=ana@example.com'], { ...env, PG_DSN: 'not a dsn' });
    expect(notDsn).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('not a PostgreSQL connection URL'),
    });
    const closed = { ...env, PG_DSN: 'postgres://dsr@127.0.0.1:9/none' };
    const notEmail = await runDsr([...args, 'email=not-an-email'], closed);
    expect(notEmail).toMatchObject({
      code: 2,
      stderr: 'dsr: --subject email: the value is not an e-mail address\n',
    });
    const unknown = await runDsr([...args, 'shoe=42'], closed);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--subject shoe: not an identity kind/);
  });

  it('submit reads the message from standard input with --file -, and names the queue it could not reach', async () => {
    const message = {
      version: 1,
      requestId: 'R-STDIN',
      type: 'access',
      subject: { email: ['a@example.com'] },
      jurisdiction: 'GDPR',
      receivedAt: '2026-12-01T00:00:00Z',
    };
    const queue = 'http://127.0.0.1:9/000000000000/q';
    const run = await new Promise<Run>((resolve) => {
      const child = execFile(
        process.execPath,
        ['bin/dsr.js', 'submit', '--queue-url', queue, '--file', '-'],
        {
          env: {
            ...process.env,
            AWS_REGION: 'eu-west-1',
            AWS_ACCESS_KEY_ID: 'test',
            AWS_SECRET_ACCESS_KEY: 'test',
          },
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end(JSON.stringify(message));
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `dsr: sqs SendMessage on queue ${queue} failed: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9\n`,
    );
  });

  it('each command module registers the command its summary stands for', async () => {
    const program = await buildProgram();
    for (const c of COMMANDS) {
      const parent = c.group ? program.commands.find((g) => g.name() === c.group) : program;
      const command = parent?.commands.find((x) => x.name() === c.name);
      expect(command?.summary()).toBe(c.summary);
      expect(command?.options.length ?? 0).toBeGreaterThan(0);
    }
  });
});
