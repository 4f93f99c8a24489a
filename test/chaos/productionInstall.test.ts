import { execFile, spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const run = promisify(execFile);

let copy: string | undefined;

afterAll(async () => {
  if (copy) await rm(copy, { recursive: true, force: true });
});

/** Runs a command in `cwd`, with its output kept (both streams), and resolves with its exit code. */
function runIn(cwd: string, command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NODE_ENV: 'production' } });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * What the package ships is what the demo needs: the repository's files (as git lists them, no
 * `node_modules/`, no `dist/`) are copied to a temporary directory and installed with
 * `npm ci --omit=dev`; `prepare` builds the command there (esbuild is a runtime dependency), and
 * `dsr demo` runs the whole local pipeline without CDK, cdk-nag, the linters or the test tools.
 * Slow (an install and a demo): here, not in `npm test`.
 */
describe('Package: a production install (`npm ci --omit=dev`) runs the demo', () => {
  it('installs without development dependencies, builds the command and runs `dsr demo` to its end', {
    timeout: 1_200_000,
  }, async () => {
    copy = await mkdtemp(join(tmpdir(), 'dsr-omit-dev-'));
    // Run as root, embedded PostgreSQL starts its server as the `postgres` user, which must reach
    // the binaries under the copy (mkdtemp makes it 0700). The copy holds only the repository's code.
    await chmod(copy, 0o755);
    const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    for (const file of stdout.split('\0').filter(Boolean)) {
      const exists = await stat(join(ROOT, file)).catch(() => undefined);
      if (!exists?.isFile()) continue;
      await mkdir(dirname(join(copy, file)), { recursive: true });
      await cp(join(ROOT, file), join(copy, file));
    }

    const install = await runIn(copy, 'npm', [
      'ci',
      '--omit=dev',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
    ]);
    expect(install.code, install.output).toBe(0);
    // The development dependencies are absent, and the command was built by `prepare`.
    for (const pkg of ['aws-cdk-lib', 'cdk-nag', 'constructs', 'aws-cdk', '@biomejs/biome', 'vitest'])
      expect(await stat(join(copy, 'node_modules', pkg)).catch(() => undefined), pkg).toBeUndefined();
    expect((await stat(join(copy, 'dist', 'cli', 'main.js'))).isFile()).toBe(true);

    const version = await runIn(copy, process.execPath, ['bin/dsr.js', '--version']);
    expect(version.code, version.output).toBe(0);
    expect(version.output.trim()).toBe(
      JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version,
    );

    const demo = await runIn(copy, process.execPath, ['bin/dsr.js', 'demo', '--out', join(copy, 'out')]);
    expect(demo.output).not.toMatch(/Cannot find (package|module)/);
    expect(demo.code, demo.output.slice(-4000)).toBe(0);
    expect(demo.output).toMatch(/^DEMO-ANA\s+high\s+loaded\s+loaded\s/m);
    expect(demo.output).toMatch(/^DEMO-CHLOE-ERASE\s+erased\s+[0-9a-f]{64}\s/m);
    expect(demo.output).toMatch(/seeded personal values: 0 found/);
  });
});
