import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { type Summary, summarize } from '../stats';

const run = promisify(execFile);

export interface FunctionEntry {
  readonly name: string;
  readonly entry: string;
  /** Modules the bundle leaves out besides the AWS SDK and `pg-native`. */
  readonly external: readonly string[];
  /** The data map copied next to the bundle. @default the sample map (PostgreSQL only) */
  readonly dataMap?: string;
}

/** The functions the stack deploys, with the modules their bundles leave out (as in `infra/`). */
export const FUNCTIONS: readonly FunctionEntry[] = [
  // A PostgreSQL-only data map: the stack leaves the Snowflake driver out of the bundle.
  { name: 'extract', entry: 'functions/extract/handler.ts', external: ['snowflake-sdk'] },
  // A data map with Snowflake tables: the driver is bundled and evaluated on the first record
  // (`import()`), so module initialisation does not include it.
  {
    name: 'extract (Snowflake tables)',
    entry: 'functions/extract/handler.ts',
    external: [],
    dataMap: 'local/demo/datamap.yaml',
  },
  { name: 'gate', entry: 'functions/gate/handler.ts', external: [] },
  { name: 'load', entry: 'functions/load/handler.ts', external: [] },
  { name: 'redrive', entry: 'functions/redrive/handler.ts', external: [] },
  // The scan reaches Snowflake through the same client as the gate, so its driver is bundled.
  { name: 'scan', entry: 'functions/scan/handler.ts', external: [] },
];

/** The file the stack copies next to every bundle that reads the data map. */
const DATA_MAP = 'local/sample/datamap.yaml';

export interface ColdStartResult {
  readonly name: string;
  /** Size of `index.js` (the source map is a separate file, as the stack ships it). */
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Module initialisation in a fresh Node process (require of the bundle), ms. */
  readonly initMs: Summary;
  /** Why the bundle failed to initialise, when it did (its timings are then missing). */
  readonly error?: string;
}

/**
 * Bundles each function that exists as the stack does (esbuild, minified, external source map,
 * CommonJS, Node 22, the AWS SDK and `pg-native` left to the runtime, the data map copied next to
 * it) and times its module initialisation in fresh Node processes with `--enable-source-maps`, as
 * the stack configures. Each start runs from a directory outside the repository where only
 * `@aws-sdk/*` resolves (as the Lambda runtime provides it): a module the bundle leaves out but the
 * runtime lacks fails here as it would in Lambda, and is reported instead of timed.
 */
export async function coldStartBench(options: {
  starts: number;
  outDir: string;
  functions?: readonly FunctionEntry[];
}): Promise<ColdStartResult[]> {
  const results: ColdStartResult[] = [];
  await rm(options.outDir, { recursive: true, force: true });
  const runtime = await mkdtemp(join(tmpdir(), 'dsr-cold-start-'));
  try {
    await mkdir(join(runtime, 'node_modules'), { recursive: true });
    await symlink(resolve('node_modules/@aws-sdk'), join(runtime, 'node_modules', '@aws-sdk'), 'dir');
    for (const fn of options.functions ?? FUNCTIONS) {
      if (!existsSync(fn.entry)) continue;
      const dir = join(options.outDir, fn.name.replace(/[^a-z0-9]+/gi, '-'));
      await mkdir(dir, { recursive: true });
      const outfile = join(dir, 'index.js');
      await build({
        entryPoints: [fn.entry],
        bundle: true,
        minify: true,
        sourcemap: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        outfile,
        external: ['@aws-sdk/*', 'pg-native', ...fn.external],
        logLevel: 'error',
      });
      await copyFile(fn.dataMap ?? DATA_MAP, join(dir, 'datamap.yaml'));
      const code = await readFile(outfile);
      const task = join(runtime, fn.name.replace(/[^a-z0-9]+/gi, '-'));
      await cp(dir, task, { recursive: true });
      const timings: number[] = [];
      let error: string | undefined;
      for (let i = 0; i < options.starts && error === undefined; i++) {
        try {
          timings.push(await timeRequire(join(task, 'index.js'), task, fn.name));
        } catch (cause) {
          error = firstLine(cause);
        }
      }
      results.push({
        name: fn.name,
        bytes: code.length,
        gzipBytes: gzipSync(code).length,
        initMs: summarize(timings),
        ...(error === undefined ? {} : { error }),
      });
    }
  } finally {
    await rm(runtime, { recursive: true, force: true });
  }
  return results;
}

/** Requires the bundle in a fresh process and returns the time the require took, ms. */
async function timeRequire(file: string, cwd: string, name: string): Promise<number> {
  const script = [
    'const { performance } = require("node:perf_hooks");',
    'const t = performance.now();',
    `const m = require(${JSON.stringify(file)});`,
    'const elapsed = performance.now() - t;',
    'if (typeof m.handler !== "function") throw new Error("the bundle exports no handler function");',
    'process.stdout.write(String(elapsed));',
  ].join('\n');
  const { stdout } = await run(process.execPath, ['-e', script], {
    cwd,
    // The function's environment, not the benchmark's: only what the stack and the runtime set.
    env: {
      PATH: process.env.PATH ?? '',
      NODE_OPTIONS: '--enable-source-maps',
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: `dsr-bridge-${name}`,
      LAMBDA_TASK_ROOT: cwd,
      POWERTOOLS_SERVICE_NAME: 'dsr-bridge',
      POWERTOOLS_METRICS_NAMESPACE: 'DsrBridge',
      DSR_DATAMAP_PATH: 'datamap.yaml',
      DSR_STAGE: name,
    },
  });
  const value = Number(stdout);
  if (!Number.isFinite(value)) throw new Error(`unexpected output: ${stdout.slice(0, 200)}`);
  return value;
}

function firstLine(error: unknown): string {
  const e = error as { stderr?: string; message?: string };
  const text = (e.stderr || e.message || String(error)).split('\n');
  return (text.find((line) => /Error/.test(line)) ?? text[0] ?? 'failed').trim().slice(0, 200);
}
