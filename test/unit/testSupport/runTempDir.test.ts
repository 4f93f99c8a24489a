import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { classifyLeftovers, describeLeftovers, STRICT_SWITCH } from '../../support/runTempDir';

describe('Global setup: the run temporary directory', () => {
  it('is the temporary directory of the test worker and of the processes it starts', () => {
    const runDir = inject('runTempDir');
    expect(runDir).toMatch(/dsr-test-run-/);
    expect(tmpdir()).toBe(runDir);
    const child = execFileSync(
      process.execPath,
      ['-e', 'process.stdout.write(require("node:os").tmpdir())'],
      {
        encoding: 'utf8',
      },
    );
    expect(child).toBe(runDir);
    // mkdtemp, as every test that leaks does, lands in it.
    const made = mkdtempSync(join(tmpdir(), 'dsr-probe-'));
    try {
      expect(made.startsWith(`${runDir}/`)).toBe(true);
    } finally {
      rmSync(made, { recursive: true, force: true });
    }
  });

  it('counts as leaked what no running process holds, and names each entry', () => {
    const running = new Set([4242]);
    const leftovers = classifyLeftovers(
      [
        'dsr-drift-Ab12Cd',
        'cdk.outXy12Zq',
        'dsr-findings-4242-1-Qw3rTy',
        'dsr-findings-999-0-Zx9cVb',
        'tsx-0',
      ],
      (pid) => running.has(pid),
    );
    // The product's spill of a live worker is removed when that worker exits; that of a process
    // that is gone stays behind and is a leak.
    expect(leftovers).toEqual({
      leaked: ['cdk.outXy12Zq', 'dsr-drift-Ab12Cd', 'dsr-findings-999-0-Zx9cVb'],
      heldByRunningProcess: ['dsr-findings-4242-1-Qw3rTy'],
      toolCaches: ['tsx-0'],
    });
    const message = describeLeftovers(leftovers, false);
    expect(message).toContain('3 temporary entries were left behind');
    expect(message).toContain('  dsr-drift-Ab12Cd');
    expect(message).toContain(`as ${STRICT_SWITCH}=0 asks`);
    expect(describeLeftovers(leftovers, true)).toContain(`${STRICT_SWITCH}=0 reports without failing`);
  });

  it('has nothing to say about a run that left nothing', () => {
    expect(describeLeftovers(classifyLeftovers([]), true)).toBeUndefined();
  });
});
