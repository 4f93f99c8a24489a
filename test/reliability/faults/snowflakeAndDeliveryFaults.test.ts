import {
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  EVIDENCE,
  type LocalPipelineFixture,
  PIPELINE_APPLICATION_NAME,
  startLocalPipelineFixture,
} from '../../support/localPipelineFixture';
import { checkPipelineInvariant, describeReport } from '../../support/pipelineInvariant';

/** Runs the extract and gate stages until their queues are empty, leaving the load queue full. */
const runUpToLoad = (f: LocalPipelineFixture) => f.settle(['high', 'standard', 'gate']);

/**
 * The statement deadline (retries included) of every handler here: shorter than the local runtime's
 * 20 s, so a stall outlasts it and a stretch of refusals exhausts it in seconds, not tens of seconds.
 */
const STATEMENT_DEADLINE_MS = 5_000;

/**
 * One pipeline for the Snowflake faults at the gate and the load, then the delivery faults
 * (duplicates, redeliveries, a redrive): the Snowflake scenarios check every request submitted so
 * far, so they run first; the delivery scenarios check their own.
 */
let f: LocalPipelineFixture;
beforeAll(async () => {
  f = await startLocalPipelineFixture({
    generatedSubjects: 6,
    env: { SNOWFLAKE_STATEMENT_TIMEOUT_MS: String(STATEMENT_DEADLINE_MS) },
  });
}, 60_000);
afterAll(async () => {
  await f?.stop();
});

/**
 * Takes the visible messages of a queue without deleting them: they come back after `seconds` (0:
 * at once, so the stage still gets them), or when {@link release}d. Each message is received once here.
 */
async function take(
  f: LocalPipelineFixture,
  queueUrl: string,
  seconds: number,
): Promise<{ body: string; receiptHandle: string }[]> {
  const taken = new Map<string, { body: string; receiptHandle: string }>();
  for (;;) {
    const { Messages } = await f.pipeline.aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: seconds,
      }),
    );
    const fresh = (Messages ?? []).filter((m) => m.MessageId && !taken.has(m.MessageId));
    if (fresh.length === 0) return [...taken.values()];
    for (const m of fresh)
      taken.set(m.MessageId as string, { body: m.Body ?? '', receiptHandle: m.ReceiptHandle ?? '' });
  }
}

/** Ends the visibility timeout of taken messages now, as its running out does: they are delivered again. */
async function release(
  f: LocalPipelineFixture,
  queueUrl: string,
  taken: readonly { receiptHandle: string }[],
): Promise<void> {
  for (const { receiptHandle } of taken)
    await f.pipeline.aws.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: 0,
      }),
    );
}

async function send(f: LocalPipelineFixture, queueUrl: string, bodies: readonly string[]): Promise<void> {
  for (const body of bodies)
    await f.pipeline.aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}

describe('Fault scenarios: Snowflake under the gate and the load', () => {
  afterEach(() => {
    f.snowflake.faults.reset();
  });

  async function assertAllLoaded(name: string, from: number) {
    const report = await checkPipelineInvariant(f);
    process.stdout.write(`${name}: ${describeReport(report)}\n`);
    expect(report.violations).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(f.submitted.slice(from).every((r) => report.states.get(r.requestId)?.[0] === 'loaded')).toBe(true);
  }

  for (const status of [503, 429]) {
    it(`a stretch of HTTP ${status} answers at the load: every request loads once`, {
      timeout: 60_000,
    }, async () => {
      const from = f.submitted.length;
      await f.submitMany(3, f.loadable, `SF${status}`);
      await runUpToLoad(f);
      f.snowflake.faults.failNext(6, status);
      await f.drain();
      const refused = f.snowflake.requests.filter((r) => r.status === status).length;
      expect(refused).toBe(6);
      await assertAllLoaded(`snowflake ${status}`, from);
    });
  }

  it("tags every warehouse search of the extractors with the stage and the request's hash", {
    timeout: 60_000,
  }, async () => {
    const seen = f.snowflake.requests.length;
    await f.submitMany(2, f.loadable, 'TAG');
    await f.drain();
    const searches = f.snowflake.requests
      .slice(seen)
      .filter((r) => /FROM "ANALYTICS"\."PUBLIC"\."WEB_SESSIONS"/.test(r.sqlText ?? ''));
    expect(searches.length).toBeGreaterThan(0);
    for (const r of searches) expect(r.queryTag).toMatch(/^dsr-bridge:extract-(high|standard):[0-9a-f]{16}$/);
    await assertAllLoaded('query tags', f.submitted.length - 2);
  });

  it('session tokens expire mid-load: the sessions renew and every request loads once', {
    timeout: 60_000,
  }, async () => {
    // Warm: every stage holds an open session.
    await f.submitMany(1, f.loadable, 'WARM');
    await f.drain();
    const from = f.submitted.length;
    await f.submitMany(3, f.loadable, 'EXPIRE');
    await runUpToLoad(f);
    const seen = f.snowflake.requests.length;
    f.snowflake.faults.expireSessions();
    await f.drain();
    const after = f.snowflake.requests.slice(seen);
    process.stdout.write(
      `after expiry: ${[...new Set(after.map((r) => `${r.kind}/${r.status}/${r.code ?? ''}`))].join(',')}\n`,
    );
    expect(after.some((r) => r.kind === 'token' || r.kind === 'login')).toBe(true);
    await assertAllLoaded('session expiry', from);
  });

  it('the answer is lost after the MERGE committed: the retry adds no duplicate row', {
    timeout: 60_000,
  }, async () => {
    const from = f.submitted.length;
    await f.submitMany(
      1,
      f.loadable.filter((s) => s.label === 'ana'),
      'DROP',
    );
    await runUpToLoad(f);
    const seen = f.snowflake.requests.length;
    // The load writes `loading` to the ledger (a MERGE), then MERGEs the findings: arm the drop as
    // soon as the first MERGE is seen, so it lands on the findings MERGE.
    let armed = false;
    const watch = () => {
      if (armed) return;
      if (f.snowflake.requests.slice(seen).some((r) => r.kind === 'merge')) {
        f.snowflake.faults.dropResponseAfterExecute(1);
        armed = true;
      } else setImmediate(watch);
    };
    watch();
    await f.drain();
    armed = true;
    const dropped = f.snowflake.requests.slice(seen).filter((r) => r.status === 0);
    process.stdout.write(`dropped answers: ${dropped.map((r) => r.kind).join(',')}\n`);
    expect(dropped.some((r) => r.kind === 'merge')).toBe(true);
    await assertAllLoaded('answer dropped after commit', from);
  });

  it('a stall longer than the statement deadline: the statement is abandoned, retried, and loads once', {
    timeout: 90_000,
  }, async () => {
    const from = f.submitted.length;
    await f.submitMany(2, f.loadable, 'STALL');
    await runUpToLoad(f);
    f.snowflake.faults.stallNext(1, STATEMENT_DEADLINE_MS + 2_000);
    const mark = f.lines.length;
    await f.drain(80_000);
    const codes = f.lines
      .slice(mark)
      .filter((l) => l.includes('"will retry"'))
      .map((l) => (JSON.parse(l) as { error?: { code?: string } }).error?.code);
    process.stdout.write(`stall: retry codes ${[...new Set(codes)].join(',')}\n`);
    expect(codes.length).toBeGreaterThan(0);
    await assertAllLoaded('stall past the deadline', from);
  });
});

describe('Fault scenarios: deliveries, redeliveries and redrive', () => {
  async function assertInvariant(name: string, from: number) {
    const report = await checkPipelineInvariant(f, f.submitted.slice(from));
    process.stdout.write(`${name}: ${describeReport(report)}\n`);
    expect(report.violations).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(f.submitted.slice(from).length).toBeGreaterThan(0);
    return report;
  }

  it('the same intake message delivered twice: loaded once, no duplicate row', {
    timeout: 60_000,
  }, async () => {
    const from = f.submitted.length;
    const requests = f.loadable.slice(0, 3).map((s) => f.request(s, { tag: 'TWICE' }));
    await f.submit([...requests, ...requests]);
    await f.drain();
    await assertInvariant('duplicate deliveries', from);
  });

  it('stage messages re-sent after their side effect (a crash before the delete): nothing is redone', {
    timeout: 60_000,
  }, async () => {
    const from = f.submitted.length;
    const { queues } = f.pipeline.aws;
    await f.submitMany(3, f.loadable, 'CRASH');
    await f.settle(['high', 'standard']);
    // Copies of what the extractors handed to the gate, and then of what the gate hands to the load.
    const toGate = await take(f, queues.gate.url, 0);
    await f.settle(['gate']);
    const toLoad = await take(f, queues.load.url, 0);
    await f.drain();
    const loadedBefore = await checkPipelineInvariant(f, f.submitted.slice(from));
    expect(loadedBefore.violations).toEqual([]);
    await send(
      f,
      queues.gate.url,
      toGate.map((m) => m.body),
    );
    await send(
      f,
      queues.load.url,
      toLoad.map((m) => m.body),
    );
    await f.drain();
    const report = await assertInvariant('stage messages re-sent', from);
    expect(toLoad.length).toBeGreaterThan(0);
    expect(report.counts).toEqual(loadedBefore.counts);
  });

  // The copy of a standard-queue request is worked by the high extractor, whose forwarded ledger
  // knows nothing of it: the gate must recognise the request as loaded and add nothing.
  it('a delivery whose visibility timeout ran out mid-work comes back and is acknowledged once', {
    timeout: 60_000,
  }, async () => {
    const from = f.submitted.length;
    const { queues } = f.pipeline.aws;
    const requests = await f.submitMany(3, f.loadable, 'VISIBLE');
    // A consumer takes the intake messages and hangs. Meanwhile copies go through the high queue
    // and load; then the hung messages' visibility timeout runs out and they are delivered again.
    const hungHigh = await take(f, queues.high.url, 120);
    const hungStandard = await take(f, queues.standard.url, 120);
    expect(hungHigh.length + hungStandard.length).toBe(3);
    await send(
      f,
      queues.high.url,
      [...hungHigh, ...hungStandard].map((m) => m.body),
    );
    const ids = requests.map((r) => `'${r.requestId}'`).join(', ');
    const copiesLoaded = await f.pipeline.pollUntil(async () => {
      const rows = await f.snowflake.sql(
        `SELECT COUNT(DISTINCT "REQUEST_ID") AS "N" FROM ${EVIDENCE.database}.${EVIDENCE.schema}.DSR_LEDGER ` +
          `WHERE "STATE" = 'loaded' AND "REQUEST_ID" IN (${ids})`,
      );
      return Number(rows[0]?.N) === requests.length;
    }, 45_000);
    expect(copiesLoaded).toBe(true);
    await release(f, queues.high.url, hungHigh);
    await release(f, queues.standard.url, hungStandard);
    await f.drain();
    await assertInvariant('redelivery after a visibility timeout', from);
  });

  it('the dead-letter queue redriven while new requests arrive: every request loads', {
    timeout: 60_000,
  }, async () => {
    const from = f.submitted.length;
    // The pipeline's role may not log in: discovery fails permanently and the requests are dead-lettered.
    await f.sql(`ALTER ROLE ${f.appRole.name} NOLOGIN`);
    try {
      await f.sql(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
        [f.database.name, PIPELINE_APPLICATION_NAME],
      );
      await f.submitMany(3, f.loadable, 'DLQ');
      await f.drain();
    } finally {
      await f.sql(`ALTER ROLE ${f.appRole.name} LOGIN`);
    }
    const parked = await checkPipelineInvariant(f, f.submitted.slice(from));
    expect(parked.violations).toEqual([]);
    const dead = f.submitted
      .slice(from)
      .filter((r) => parked.states.get(r.requestId)?.[0] === 'dead_lettered');
    process.stdout.write(`dead-lettered before the redrive: ${dead.length}\n`);
    expect(dead.length).toBeGreaterThan(0);

    const redriven = f.redrive();
    await f.submitMany(3, f.loadable, 'NEW');
    // The redrive's moves finish while the new requests are worked; one drain then takes the rest.
    await Promise.all([redriven, f.drain()]);
    await f.drain();
    await assertInvariant('redrive while new requests arrive', from);
  });
});
