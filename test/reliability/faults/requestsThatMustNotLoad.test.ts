import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StageMessage } from '../../../shared/pipeline/StageMessage';
import { alterFirstRow, breakerOpenings, seedPoisonSubject } from '../../support/faultInjection';
import {
  type KnownSubject,
  type LocalPipelineFixture,
  type SubmittedRequest,
  startLocalPipelineFixture,
} from '../../support/localPipelineFixture';
import { checkPipelineInvariant, describeReport } from '../../support/pipelineInvariant';

/**
 * Requests that must not load among healthy ones that must: poison requests (dead-lettered after
 * their retries) and tampered hand-offs between stages (quarantined). One pipeline for both; each
 * scenario checks its own requests and the log lines written while it ran.
 */
let f: LocalPipelineFixture;
beforeAll(async () => {
  f = await startLocalPipelineFixture({
    generatedSubjects: 8,
    // A poison request's retries back off at most 1 s (the local runtime: up to 4 s).
    env: { DSR_BACKOFF_CAP_SECONDS: '1' },
  });
}, 90_000);
afterAll(async () => {
  await f?.stop();
});

/** Log lines that say a circuit opened, or that a record was refused by an open one. */
const breakerLines = (lines: readonly string[]) =>
  lines.filter((l) => l.includes('"CIRCUIT_OPEN"') || l.includes('circuit opened'));

/** Receives and deletes every message of a queue: the test now holds them. */
async function takeAll(f: LocalPipelineFixture, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages } = await f.pipeline.aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (!Messages?.length) return bodies;
    for (const m of Messages) {
      bodies.push(m.Body ?? '');
      await f.pipeline.aws.sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }),
      );
    }
  }
}

async function send(f: LocalPipelineFixture, queueUrl: string, bodies: readonly string[]): Promise<void> {
  for (const body of bodies)
    await f.pipeline.aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}

/** Puts an object straight into the bucket, as a bug or someone with write access would. */
async function putObject(
  f: LocalPipelineFixture,
  key: string,
  body: string,
  metadata: Record<string, string> = {},
): Promise<{ bucket: string; key: string }> {
  const { s3, bucket } = f.pipeline.aws;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: metadata }));
  return { bucket, key };
}

const inlineOf = (m: StageMessage): string => {
  if (!('inline' in m.findings)) throw new Error('expected inline findings');
  return m.findings.inline;
};

describe('Fault scenario: a poison request among healthy ones', () => {
  let poison: KnownSubject;
  beforeAll(async () => {
    poison = await seedPoisonSubject(f);
  }, 90_000);

  it('is dead-lettered as INTERNAL_ERROR after its retries while every other request loads and no circuit opens', {
    timeout: 120_000,
  }, async () => {
    // Poison requests spread through a steady stream of healthy ones, on both intake queues: one
    // before every third healthy request, alternately high and standard.
    const requests = [];
    for (let i = 0; i < 12; i++) {
      if (i % 3 === 0) requests.push(f.request(poison, { priority: i % 6 === 0 ? 'high' : 'standard' }));
      requests.push(
        f.request(f.loadable[i % f.loadable.length] as KnownSubject, {
          priority: i % 3 === 0 ? 'standard' : 'high',
        }),
      );
    }
    const mark = f.lines.length;
    await f.submit(requests);
    await f.drain(90_000);
    const lines = f.lines.slice(mark);

    const report = await checkPipelineInvariant(f, requests);
    process.stdout.write(`poison requests: ${describeReport(report)}\n`);
    expect(report.violations).toEqual([]);
    expect(report.unexpected).toEqual([]);
    const poisonIds = new Set(requests.filter((r) => r.subject === poison).map((r) => r.requestId));
    expect(report.counts.loaded).toBe(requests.length - poisonIds.size);
    const poisonLetters = report.deadLetters.filter((d) => d.requestId && poisonIds.has(d.requestId));
    expect(poisonLetters).toHaveLength(poisonIds.size);
    // Not a dependency's fault: no circuit opened, no healthy request waited on one.
    expect(breakerLines(lines).length).toBe(0);
    expect(breakerOpenings(lines)).toEqual([]);
    for (const letter of poisonLetters) expect(letter.code).toBe('INTERNAL_ERROR');
    // Each poison request was retried a bounded number of times, then dead-lettered with a
    // fingerprint of where it failed and an InternalError metric for the alarm.
    const deadLetterLines = lines
      .filter((l) => l.includes('"dead-lettered"') && l.includes('"INTERNAL_ERROR"'))
      .map((l) => JSON.parse(l) as { error: { fingerprint?: string }; attempt: number });
    expect(deadLetterLines).toHaveLength(poisonIds.size);
    for (const line of deadLetterLines) {
      expect(line.error.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(line.attempt).toBeLessThanOrEqual(3);
    }
    expect(new Set(deadLetterLines.map((l) => l.error.fingerprint)).size).toBe(1);
    expect(lines.filter((l) => l.includes('"InternalError"')).length).toBe(poisonIds.size);
  });
});

describe('Fault scenario: hand-offs between stages that do not check out', () => {
  it('quarantines every tampered hand-off with its reason, pages, and loads the untouched ones', {
    timeout: 120_000,
  }, async () => {
    // Prepare: requests for subjects with rows, discovered by the extractors
    const subjects = f.loadable.filter((s) => s.label !== 'nobody');
    const requests = Array.from({ length: 9 }, (_, i) =>
      f.request(subjects[i % subjects.length] as KnownSubject, { priority: 'high', tag: 'HANDOFF' }),
    );
    await f.submit(requests);
    while ((await f.pipeline.pollers.high.pollOnce(0)).received > 0);
    const { queues } = f.pipeline.aws;
    const toGate = (await takeAll(f, queues.gate.url)).map((b) => JSON.parse(b) as StageMessage);
    const byId = new Map(toGate.filter((m) => m.kind === 'dsr.stage').map((m) => [m.requestId, m]));
    expect(byId.size).toBe(requests.length);
    const message = (i: number) => byId.get((requests[i] as SubmittedRequest).requestId) as StageMessage;

    // Act: tamper with the hand-offs to the gate, one way each
    const tampered = new Map<string, string>();
    const forged: StageMessage[] = [];
    // 1. a bug changed a row after the hash was computed
    forged.push({ ...message(1), findings: { inline: alterFirstRow(inlineOf(message(1))) } });
    tampered.set(message(1).requestId, 'evidence_hash_mismatch');
    // 2. the claim-check object was replaced in the bucket
    forged.push({
      ...message(2),
      findings: {
        claimCheck: await putObject(
          f,
          `claim-check/${message(2).requestId}/x.json`,
          alterFirstRow(inlineOf(message(2))),
        ),
      },
    });
    tampered.set(message(2).requestId, 'evidence_hash_mismatch');
    // 3. a truncated claim check
    const text3 = inlineOf(message(3));
    forged.push({
      ...message(3),
      findings: {
        claimCheck: await putObject(
          f,
          `claim-check/${message(3).requestId}/t.json`,
          text3.slice(0, text3.length / 2),
        ),
      },
    });
    tampered.set(message(3).requestId, 'findings_malformed');
    // 4. a claim check corrupted after it was written with its checksum
    const text4 = inlineOf(message(4));
    const sha4 = createHash('sha256').update(text4, 'utf8').digest('hex');
    forged.push({
      ...message(4),
      findings: {
        claimCheck: await putObject(f, `claim-check/${message(4).requestId}/c.json`, alterFirstRow(text4), {
          'content-sha256': sha4,
        }),
      },
    });
    tampered.set(message(4).requestId, 'payload_checksum_mismatch');
    // 5. another request's findings, with their own (valid) hash
    forged.push({ ...message(5), findings: message(0).findings, evidenceHash: message(0).evidenceHash });
    tampered.set(message(5).requestId, 'request_id_mismatch');
    // 6. a hand-off that names fewer tables than its findings come from (the drift check would skip them)
    forged.push({ ...message(6), tablesTouched: message(6).tablesTouched.slice(1) });
    tampered.set(message(6).requestId, 'tables_touched_mismatch');
    const untouched = toGate.filter((m) => !forged.some((x) => x.requestId === m.requestId));
    await send(
      f,
      queues.gate.url,
      [...untouched, ...forged].map((m) => JSON.stringify(m)),
    );

    // 7. between the gate and the load: findings altered after the gate passed them
    while ((await f.pipeline.pollers.gate.pollOnce(0)).received > 0);
    const toLoad = (await takeAll(f, queues.load.url)).map((b) => JSON.parse(b) as StageMessage);
    const seventh = toLoad.find((m) => m.requestId === message(7).requestId) as StageMessage;
    expect(seventh).toBeDefined();
    const seventhForged = { ...seventh, findings: { inline: alterFirstRow(inlineOf(seventh)) } };
    tampered.set(seventh.requestId, 'evidence_hash_mismatch');
    await send(
      f,
      queues.load.url,
      [...toLoad.filter((m) => m !== seventh), seventhForged].map((m) => JSON.stringify(m)),
    );
    await f.drain(60_000);

    // Assess: tampered requests quarantined (never loaded), the others loaded, nothing lost
    const expected = requests.map((r) =>
      tampered.has(r.requestId) ? { ...r, expect: 'quarantined' as const } : r,
    );
    const report = await checkPipelineInvariant(f, expected);
    process.stdout.write(`tampered hand-offs: ${describeReport(report)}\n`);
    expect(report.violations).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.counts.quarantined).toBe(tampered.size);
    expect(report.counts.loaded).toBe(requests.length - tampered.size);

    // Each one: a ComplianceGateViolation with error category `integrity` and its reason, and a page
    const metrics = f.lines
      .filter((l) => l.includes('"ComplianceGateViolation"') && l.includes('"integrity"'))
      .map((l) => JSON.parse(l) as { requestId: string; driftType: string });
    expect(new Map(metrics.map((m) => [m.requestId, m.driftType]))).toEqual(tampered);
    const paged = f.pipeline.pagerDuty.events
      .map(
        (e) =>
          (e.payload as { custom_details?: { requestId?: string; errorCategory?: string } })?.custom_details,
      )
      .filter((d) => d?.errorCategory === 'integrity')
      .map((d) => d?.requestId);
    expect(new Set(paged)).toEqual(new Set(tampered.keys()));
  });
});
