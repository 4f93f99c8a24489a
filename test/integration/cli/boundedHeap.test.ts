import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Preloaded into every node process `dsr` runs: prints that process's V8 heap limit, in MiB.
const REPORT_HEAP =
  "data:text/javascript,import v8 from 'node:v8';process.stderr.write('heap-limit '+v8.getHeapStatistics().heap_size_limit/1048576+'\\n');";

/** Runs `dsr <args>` and returns the heap limit of each node process it started, in order. */
function heapLimits(
  nodeOptions: string | undefined,
  args: readonly string[] = ['discover', '--help'],
): Promise<{ code: number; limits: number[] }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', REPORT_HEAP, 'bin/dsr.js', ...args],
      { env: { ...process.env, NODE_OPTIONS: nodeOptions } },
      (error, _stdout, stderr) =>
        resolve({
          code: error ? Number(error.code ?? 1) : 0,
          limits: [...stderr.matchAll(/^heap-limit (\d+(?:\.\d+)?)$/gm)].map((m) => Number(m[1])),
        }),
    );
  });
}

describe('Command: dsr discover bounds its memory without flags', () => {
  it('runs discovery with V8 old space capped when no heap size is given', async () => {
    const run = await heapLimits(undefined);
    expect(run.code).toBe(0);
    expect(run.limits).toHaveLength(2); // the launcher, then the program
    expect(run.limits[0]).toBeGreaterThan(256);
    expect(run.limits[1]).toBeLessThan(200); // 128 MiB of old space plus the young generation
  });

  it('keeps a heap size given in NODE_OPTIONS, in one process', async () => {
    const run = await heapLimits('--max-old-space-size=320');
    expect(run.code).toBe(0);
    expect(run.limits).toHaveLength(1);
    expect(run.limits[0]).toBeGreaterThanOrEqual(320);
  });

  it('runs other commands in one process with the default heap (the demo runs a whole pipeline)', async () => {
    const run = await heapLimits(undefined, ['--help']);
    expect(run.code).toBe(0);
    expect(run.limits).toHaveLength(1);
    expect(run.limits[0]).toBeGreaterThan(256);
  });
});
