import { spawn } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';

/** A process that queried through a pool and did not end it; resolves with the ms from its last write to its exit. */
function exitDelay(dsn: string): Promise<{ code: number | null; afterWorkMs: number; stderr: string }> {
  const script = `
import { DsnCredentialSource } from './shared/postgres/DsnCredentialSource.ts';
import { PgDatabase } from './shared/postgres/PgDatabase.ts';
const db = new PgDatabase({ credentials: new DsnCredentialSource(process.env.DSN) });
await db.withClient((c) => c.query('SELECT 1'));
process.stderr.write('work done\\n');
`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, DSN: dsn },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let doneAt = 0;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!doneAt && stderr.includes('work done')) doneAt = Date.now();
    });
    child.on('exit', (code) => resolve({ code, afterWorkMs: doneAt ? Date.now() - doneAt : -1, stderr }));
  });
}

describe('Class: PgDatabase', () => {
  it('lets the process exit when its work is done, not when the 30 s idle timeout closes the pooled connection', async () => {
    const run = await exitDelay(inject('pgAdminDsn'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.afterWorkMs).toBeGreaterThanOrEqual(0);
    // An idle client held the process for the whole idle timeout (30 s): `dsr up` stopped by a
    // signal kept running that long after saying it had stopped.
    expect(run.afterWorkMs).toBeLessThan(15_000);
  });
});
