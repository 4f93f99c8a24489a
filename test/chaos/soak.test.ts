import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakerOpenings, corruptClaimCheck, seedPoisonSubject } from '../support/faultInjection';
import type { KnownSubject } from '../support/localPipelineFixture';
import {
  type LocalPipelineFixture,
  PIPELINE_APPLICATION_NAME,
  startLocalPipelineFixture,
} from '../support/localPipelineFixture';
import { checkPipelineInvariant, describeReport } from '../support/pipelineInvariant';

const REQUESTS = Number(process.env.DSR_SOAK_REQUESTS ?? 1000);
const SEED = Number(process.env.DSR_SOAK_SEED ?? 20250101);

/** mulberry32: a small seeded PRNG, so a failing soak can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('Chaos soak', () => {
  let f: LocalPipelineFixture;
  let poison: KnownSubject;
  beforeAll(async () => {
    f = await startLocalPipelineFixture({ scale: 0.2, generatedSubjects: 100 });
    poison = await seedPoisonSubject(f);
  }, 120_000);
  afterAll(async () => {
    await f?.stop();
  });

  it(`${REQUESTS} requests under random faults: every one ends in exactly one terminal state`, async () => {
    const random = prng(SEED);
    const injected: Record<string, number> = {};
    // Requests whose hand-off to the gate was corrupted: they must be quarantined, never loaded.
    const corrupted = new Set<string>();
    const faults: [string, () => Promise<unknown>][] = [
      ['snowflake 503', async () => f.snowflake.faults.failNext(1 + Math.floor(random() * 4), 503)],
      ['snowflake 429', async () => f.snowflake.faults.failNext(1 + Math.floor(random() * 4), 429)],
      ['session expiry', async () => f.snowflake.faults.expireSessions()],
      ['answer dropped after commit', async () => f.snowflake.faults.dropResponseAfterExecute(1)],
      ['snowflake stall', async () => f.snowflake.faults.stallNext(1, 500 + Math.floor(random() * 2000))],
      [
        'postgres backends terminated',
        () =>
          f.sql(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
            [f.database.name, PIPELINE_APPLICATION_NAME],
          ),
      ],
      [
        'claim check corrupted',
        async () => {
          const requestId = await corruptClaimCheck(f);
          if (requestId) corrupted.add(requestId);
        },
      ],
      [
        'duplicate delivery',
        async () => {
          const earlier = f.submitted[Math.floor(random() * f.submitted.length)];
          if (earlier) await f.submit([earlier]);
        },
      ],
    ];
    const subjects = f.subjects;
    const started = Date.now();
    let done = false;
    const chaos = (async () => {
      while (!done) {
        // One fault every 1.5–4 s: enough that every kind recurs many times over the run.
        await new Promise((resolve) => setTimeout(resolve, 1500 + random() * 2500));
        if (done) break;
        const [name, inject] = faults[Math.floor(random() * faults.length)] as (typeof faults)[number];
        injected[name] = (injected[name] ?? 0) + 1;
        await inject().catch(() => undefined);
      }
    })();
    const submitting = (async () => {
      for (let i = 0; i < REQUESTS; i++) {
        const subject = subjects[Math.floor(random() * subjects.length)];
        const roll = random();
        const priority = random() < 0.5 ? 'high' : 'standard';
        // About 1 in 100 malformed; every 40th a poison request (its rows make the code throw).
        const request =
          i % 40 === 7
            ? f.request(poison, { priority, tag: 'SOAKPOISON' })
            : roll < 0.01 || !subject
              ? f.malformedRequest('SOAKBAD')
              : f.request(subject, { priority, tag: 'SOAK' });
        await f.submit([request]);
      }
    })();
    // Pollers run like the event source mappings, concurrently per queue, while requests arrive.
    for (const poller of Object.values(f.pipeline.pollers)) poller.start();
    await submitting;
    try {
      await waitUntilSettled(f, 3_300_000);
    } finally {
      done = true;
      await chaos;
      for (const poller of Object.values(f.pipeline.pollers)) await poller.stop();
    }
    f.snowflake.faults.reset();
    await f.drain(120_000);
    const seconds = (Date.now() - started) / 1000;

    const unique = [...new Map(f.submitted.map((r) => [r.requestId, r])).values()].map((r) =>
      corrupted.has(r.requestId) ? { ...r, expect: 'quarantined' as const } : r,
    );
    // The hourly deadline check once (it takes the day's anchor), then the invariant, which runs the
    // ledger verification over every request against it.
    await f.pipeline.deadlineCheck();
    const report = await checkPipelineInvariant(f, unique);
    const openings = breakerOpenings(f.lines);
    const poisonIds = new Set(unique.filter((r) => r.subject === poison).map((r) => r.requestId));
    const corruptedStates = [...corrupted].map((id) => report.states.get(id)?.join('+') ?? 'none');
    const retried = new Set(
      f.lines
        .filter((l) => l.includes('"will retry"'))
        .map((l) => (JSON.parse(l) as { requestId?: string }).requestId),
    ).size;
    const summary = {
      requests: unique.length,
      deliveries: f.submitted.length,
      seed: SEED,
      seconds: Math.round(seconds),
      throughputPerSecond: Number((unique.length / seconds).toFixed(2)),
      retried,
      loaded: report.counts.loaded,
      deadLettered: report.counts.dead_lettered,
      quarantined: report.counts.quarantined,
      noOrSeveralStates: report.counts.none,
      duplicates: report.duplicateRows,
      ledgerEntries: report.ledgerEntries,
      ledgerBreaks: report.ledgerBreaks,
      leakedClients: report.clientsCheckedOut,
      piiHits: report.piiHits.length,
      faultsInjected: injected,
      deadLetterCodes: Object.fromEntries(
        [...new Set(report.deadLetters.map((d) => `${d.stage}/${d.code}`))].map((k) => [
          k,
          report.deadLetters.filter((d) => `${d.stage}/${d.code}` === k).length,
        ]),
      ),
      poisonRequests: poisonIds.size,
      poisonDeadLetteredInternal: report.deadLetters.filter(
        (d) => d.requestId && poisonIds.has(d.requestId) && d.code === 'INTERNAL_ERROR',
      ).length,
      corruptedHandOffs: corrupted.size,
      corruptedQuarantined: corruptedStates.filter((s) => s === 'quarantined').length,
      // A duplicate delivery of the same request may have loaded it before the corrupted copy came.
      corruptedLoadedByAnotherCopy: corruptedStates.filter((s) => s === 'loaded').length,
      breakerOpenings: openings.length,
      breakerOpeningsByNonDependencyErrors: openings.filter((o) => o.cause.kind !== 'dependency').length,
      violations: report.violations.length,
    };
    process.stdout.write(`chaos soak: ${JSON.stringify(summary)}\n${describeReport(report)}\n`);
    await mkdir('bench/results', { recursive: true });
    await writeFile('bench/results/chaos-soak.json', `${JSON.stringify(summary, null, 2)}\n`);
    expect(report.violations.slice(0, 20)).toEqual([]);
    expect(summary.ledgerBreaks).toBe(0);
    expect(summary.breakerOpeningsByNonDependencyErrors).toBe(0);
    expect(summary.poisonDeadLetteredInternal).toBe(poisonIds.size);
    expect(corruptedStates.filter((s) => s !== 'quarantined' && s !== 'loaded')).toEqual([]);
  });
});

/** Waits until the ledger or the dead-letter queues account for every submitted request. */
async function waitUntilSettled(f: LocalPipelineFixture, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let pending = 0;
    for (const poller of Object.values(f.pipeline.pollers)) pending += await poller.pending();
    if (pending === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  throw new Error(`not settled within ${timeoutMs} ms`);
}
