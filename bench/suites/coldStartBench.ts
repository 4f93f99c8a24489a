import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { type Summary, summarize } from '../stats';

const run = promisify(execFile);

/** The functions the stack deploys, with the modules their bundles leave out (as in `infra/`). */
export const FUNCTIONS: readonly { name: string; entry: string; external: readonly string[] }[] = [
  { name: 'extract', entry: 'functions/extract/handler.ts', external: ['snowflake-sdk'] },
  { name: 'gate', entry: 'functions/gate/handler.ts', external: [] },
  { name: 'load', entry: 'functions/load/handler.ts', external: [] },
  { name: 'redrive', entry: 'functions/redrive/handler.ts', external: [] },
  { name: 'scan', entry: 'functions/scan/handler.ts', external: [] },
];

export interface ColdStartResult {
  readonly name: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Module initialisation in a fresh Node process (require of the bundle), ms. */
  readonly initMs: Summary;
}

/**
 * Bundles each function as the stack does (esbuild, minified, CommonJS, Node 22, the AWS SDK left
 * to the runtime) and times its module initialisation in fresh Node processes. The AWS SDK is
 * resolved from this repository's node_modules, as the Lambda runtime provides it.
 */
export async function coldStartBench(options: {
  starts: number;
  outDir: string;
}): Promise<ColdStartResult[]> {
  const results: ColdStartResult[] = [];
  await rm(options.outDir, { recursive: true, force: true });
  for (const fn of FUNCTIONS) {
    if (!existsSync(fn.entry)) continue;
    const dir = join(options.outDir, fn.name);
    await mkdir(dir, { recursive: true });
    const outfile = join(dir, 'index.js');
    await build({
      entryPoints: [fn.entry],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      outfile,
      external: ['@aws-sdk/*', 'pg-native', ...fn.external],
      logLevel: 'error',
    });
    const code = await readFile(outfile);
    const timings: number[] = [];
    for (let i = 0; i < options.starts; i++) {
      const { stdout } = await run(
        process.execPath,
        [
          '-e',
          `const t = process.hrtime.bigint(); require(${JSON.stringify(join(process.cwd(), outfile))}); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`,
        ],
        { env: { ...process.env, NODE_PATH: join(process.cwd(), 'node_modules') }, cwd: dir },
      );
      timings.push(Number(stdout));
    }
    results.push({
      name: fn.name,
      bytes: code.length,
      gzipBytes: gzipSync(code).length,
      initMs: summarize(timings),
    });
  }
  return results;
}
