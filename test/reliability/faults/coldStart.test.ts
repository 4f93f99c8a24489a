import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LocalPipelineFixture,
  PIPELINE_APPLICATION_NAME,
  startLocalPipelineFixture,
} from '../../support/localPipelineFixture';
import { checkPipelineInvariant, describeReport } from '../../support/pipelineInvariant';
import { waitFor } from '../../support/waitFor';

let f: LocalPipelineFixture;

beforeAll(async () => {
  f = await startLocalPipelineFixture();
}, 180_000);

afterAll(async () => {
  await f?.stop();
});

describe('Fault scenario: a cold start while a circuit is open', () => {
  it('new containers start with closed circuits, protect the database again, and nothing is lost', {
    timeout: 180_000,
  }, async () => {
    const from = f.submitted.length;
    const refusing = (l: string) => l.includes('CIRCUIT_OPEN');
    // The database refuses the pipeline's connections (too many clients for its role).
    await f.sql(`ALTER ROLE ${f.appRole.name} CONNECTION LIMIT 0`);
    await f.sql(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
      [f.database.name, PIPELINE_APPLICATION_NAME],
    );
    let draining: Promise<void> | undefined;
    try {
      await f.submitMany(12, f.loadable, 'COLD');
      draining = f.drain(150_000).catch(() => undefined);
      expect(await waitFor(() => f.lines.some(refusing), 60_000)).toBe(true);

      // New containers: fresh pools and closed circuits, while the database still refuses.
      const mark = f.lines.length;
      f.pipeline.coldStart();
      expect(await waitFor(() => f.lines.slice(mark).some(refusing), 60_000)).toBe(true);
    } finally {
      await f.sql(`ALTER ROLE ${f.appRole.name} CONNECTION LIMIT -1`);
    }
    await draining;
    // What ran out of receives meanwhile comes back with the redrive.
    await f.redrive();
    await f.drain(120_000);

    const report = await checkPipelineInvariant(f, f.submitted.slice(from));
    process.stdout.write(`cold start during an open circuit: ${describeReport(report)}\n`);
    expect(report.violations).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.counts.loaded).toBe(12);
  });
});
