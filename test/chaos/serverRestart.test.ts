import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmbeddedPostgresServer,
  freePort,
  startEmbeddedPostgres,
} from '../../local/postgres/embeddedPostgres';
import { type LocalPipelineFixture, startLocalPipelineFixture } from '../support/localPipelineFixture';
import { checkPipelineInvariant, describeReport } from '../support/pipelineInvariant';

/**
 * PostgreSQL stopped for 30 s and started again on the same data and port, while requests arrive.
 * Requests that run out of receives meanwhile are dead-lettered with their reason; the redrive then
 * brings them back, and in the end every request is loaded once and nothing is lost.
 */
let dataDir: string;
let port: number;
let server: EmbeddedPostgresServer;
let f: LocalPipelineFixture;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dsr-pg-restart-'));
  port = await freePort();
  server = await startEmbeddedPostgres({ label: 'restart', dataDir, port });
  f = await startLocalPipelineFixture({ adminDsn: server.dsn });
}, 180_000);

afterAll(async () => {
  await f?.stop();
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('Chaos: the PostgreSQL server stopped for 30 s and restarted', () => {
  it('loses nothing: every request ends loaded once, after a redrive of what ran out of receives', {
    timeout: 600_000,
  }, async () => {
    await f.submitMany(5, f.loadable, 'BEFORE');
    await f.drain(60_000);

    await server.stop();
    await f.submitMany(10, f.loadable, 'DOWN');
    // The pipeline keeps polling while the server is down: records back off, then run out of receives.
    const draining = f.drain(300_000).catch(() => undefined);
    await sleep(30_000);
    server = await startEmbeddedPostgres({ label: 'restart', dataDir, port });
    await draining;

    const parked = await checkPipelineInvariant(f);
    process.stdout.write(`after the restart: ${describeReport(parked)}\n`);
    expect(parked.violations).toEqual([]);

    await f.pipeline.redrive();
    await sleep(1000);
    await f.drain(120_000);
    await sleep(1000);
    await f.drain(120_000);
    const report = await checkPipelineInvariant(f);
    process.stdout.write(`after the redrive: ${describeReport(report)}\n`);
    expect(report.violations).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.duplicateRows).toBe(0);
    expect(report.clientsCheckedOut).toBe(0);
  });
});
