import {
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EVIDENCE,
  type LocalPipelineFixture,
  PIPELINE_APPLICATION_NAME,
  startLocalPipelineFixture,
} from '../../support/localPipelineFixture';
import { checkPipelineInvariant, describeReport } from '../../support/pipelineInvariant';

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

describe('Fault scenarios: deliveries, redeliveries and redrive', () => {
  let f: LocalPipelineFixture;
  beforeAll(async () => {
    f = await startLocalPipelineFixture({ generatedSubjects: 6 });
  }, 60_000);
  afterAll(async () => {
    await f?.stop();
  });

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
