import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflakeRequest } from '../../../local/snowflake/startLocalSnowflake';
import {
  EVIDENCE,
  type KnownSubject,
  type LocalPipelineFixture,
  startLocalPipelineFixture,
} from '../../support/localPipelineFixture';
import { checkPipelineInvariant, describeReport } from '../../support/pipelineInvariant';

/**
 * The tests need more than 10 parts (and a failure after the 4th). An event's finding is about
 * 360 bytes of canonical text, so 150 events (with Ana's other rows, about 60 KB) make about 15
 * parts of 4 KiB: each part costs a MERGE and a checkpoint, so no more parts than that.
 */
const EVENTS = 150;
const PART_BYTES = 4 * 1024;
const LEDGER = `${EVIDENCE.database}.${EVIDENCE.schema}.DSR_LEDGER`;

/** The findings MERGEs among the warehouse requests, counted once per statement (not per HTTP retry). */
function findingsMerges(requests: readonly LocalSnowflakeRequest[]): number {
  return new Set(
    requests
      .filter((r) => r.kind === 'merge' && /DSR_FINDINGS/.test(r.sqlText ?? '') && r.status === 200)
      .map((r) => r.requestId),
  ).size;
}

/** Runs the extract and gate stages until their queues are empty, leaving the load queue full. */
const runUpToLoad = (f: LocalPipelineFixture) => f.settle(['high', 'standard', 'gate']);

describe('Pipeline: a heavy subject travels in parts and loads part by part', () => {
  let f: LocalPipelineFixture;
  let ana: KnownSubject;

  beforeAll(async () => {
    f = await startLocalPipelineFixture({
      generatedSubjects: 2,
      // Tiny parts, so a hundred and fifty rows make many of them; a short statement deadline, so a
      // stalled statement fails its load quickly.
      env: {
        DSR_CLAIM_CHECK_BYTES: '4096',
        DSR_FINDINGS_PART_BYTES: String(PART_BYTES),
        SNOWFLAKE_STATEMENT_TIMEOUT_MS: '5000',
      },
    });
    // Ana's activity: her events with exact decimals in their JSON, no foreign key.
    await f.sql(
      `ALTER TABLE public.events DROP CONSTRAINT IF EXISTS events_user_fk;
       INSERT INTO public.events (id, user_id, kind, properties, occurred_at)
       SELECT 920000000 + i, 900000001, (ARRAY['login','view','add_to_cart'])[1 + i % 3],
         jsonb_build_object('sku', 'SKU-' || i, 'price', 12345678901234567890.000000000000000001 + i),
         timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second'
       FROM generate_series(1, ${EVENTS}) AS i`,
    );
    const found = f.subjects.find((s) => s.label === 'ana');
    if (!found) throw new Error('the fixture has no ana');
    ana = found;
  }, 120_000);
  afterAll(async () => {
    await f?.stop();
  });

  async function partsOf(requestId: string): Promise<number> {
    const listed = await f.pipeline.aws.s3.send(
      new ListObjectsV2Command({ Bucket: f.pipeline.aws.bucket, Prefix: `claim-check/${requestId}/` }),
    );
    return (listed.Contents ?? []).filter((o) => o.Key?.endsWith('.ndjson')).length;
  }

  async function checkpointsOf(requestId: string): Promise<number> {
    const rows = await f.snowflake.sql(
      `SELECT COUNT(*) AS N FROM ${LEDGER} WHERE REQUEST_ID = ? AND STATE = 'loading' AND STAGE LIKE 'load-part-%'`,
      [requestId],
    );
    return Number(rows[0]?.N);
  }

  it('lands every finding exactly once, one MERGE per part, with a checkpoint per part but the last', {
    timeout: 180_000,
  }, async () => {
    // Prepare
    const request = f.request(ana, { tag: 'HEAVY' });
    const seen = f.snowflake.requests.length;
    // Act
    await f.submit([request]);
    await f.drain(150_000);
    // Assess
    const report = await checkPipelineInvariant(f, [request]);
    process.stdout.write(`heavy: ${describeReport(report)}\n`);
    expect(report.violations).toEqual([]);
    expect(report.states.get(request.requestId)).toEqual(['loaded']);
    const expected = await f.expectedDocument(ana);
    expect(expected.findings.length).toBeGreaterThan(EVENTS);
    const parts = await partsOf(request.requestId);
    expect(parts).toBeGreaterThan(10);
    expect(findingsMerges(f.snowflake.requests.slice(seen))).toBe(parts);
    expect(await checkpointsOf(request.requestId)).toBe(parts - 1);
  });

  it('a load that fails part-way is retried from its last checkpoint, and the table holds each finding once', {
    timeout: 180_000,
  }, async () => {
    // Prepare
    const request = f.request(ana, { tag: 'RESUME' });
    await f.submit([request]);
    await runUpToLoad(f);
    const seen = f.snowflake.requests.length;
    const k = 5;
    // Once k − 1 parts have landed, the next statement (part k, or part k − 1's checkpoint) stalls
    // past the statement deadline: the load fails, is retried, and must resume, not restart.
    let armed = false;
    const watch = () => {
      if (armed) return;
      if (findingsMerges(f.snowflake.requests.slice(seen)) >= k - 1) {
        f.snowflake.faults.stallNext(1, 7_000);
        armed = true;
      } else setImmediate(watch);
    };
    watch();
    // Act
    await f.drain(150_000);
    armed = true;
    // Assess
    const report = await checkPipelineInvariant(f, [request]);
    process.stdout.write(`resume: ${describeReport(report)}\n`);
    expect(report.violations).toEqual([]);
    expect(report.duplicateRows).toBe(0);
    expect(report.states.get(request.requestId)).toEqual(['loaded']);
    const history = await f.snowflake.sql(`SELECT STATE FROM ${LEDGER} WHERE REQUEST_ID = ?`, [
      request.requestId,
    ]);
    expect(history.map((r) => r.STATE)).toContain('retrying');
    // Restarting from part 1 would have sent k − 1 parts again; resuming repeats at most the one
    // part whose checkpoint was not written.
    const parts = await partsOf(request.requestId);
    expect(findingsMerges(f.snowflake.requests.slice(seen))).toBe(parts + 1);
  });
});
