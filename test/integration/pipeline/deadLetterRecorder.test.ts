import { GetObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3PayloadStore } from '../../../adapters/aws/S3PayloadStore';
import { SqsMessageQueue } from '../../../adapters/aws/SqsMessageQueue';
import { LocalEventSourcePoller } from '../../../local/aws/LocalEventSourcePoller';
import { type LocalAws, startLocalAws } from '../../../local/aws/startLocalAws';
import { findingsSourceOf } from '../../../shared/discovery/FindingsStream';
import { readDeadLetterEnvelope } from '../../../shared/pipeline/DeadLetterEnvelope';
import { buildStageMessage } from '../../../shared/pipeline/StageMessage';
import {
  type DeadLetterSource,
  HANDLER_CRASHED,
  recordDeadLetters,
} from '../../../shared/pipeline/stages/deadLetterRecorderStage';
import { ComplianceMetrics } from '../../../shared/telemetry/ComplianceMetrics';
import { createLogger } from '../../../shared/telemetry/createLogger';
import { InMemoryLedger } from '../../support/InMemoryLedger';
import { findingsFor, hashOf, intakeBody } from './support/pipelineHarness';

const EMAIL = 'ana.lopez@example.com';
const MAX_RECEIVES = 2;

describe('Function: recordDeadLetters', () => {
  let aws: LocalAws;
  beforeEach(async () => {
    aws = await startLocalAws({ maxReceiveCount: MAX_RECEIVES });
  });
  afterEach(async () => {
    await aws.stop();
  });

  /** A gate whose handler crashes on every invocation (a cold start that cannot load its data map). */
  const crashingPoller = (name: 'gate' | 'high') =>
    new LocalEventSourcePoller({
      sqs: aws.sqs,
      queueUrl: aws.queues[name].url,
      queueArn: aws.queues[name].arn,
      handler: async () => {
        throw new Error(`ENOENT: no such file or directory, open 'datamap.yaml' (${EMAIL})`);
      },
      waitTimeSeconds: 0,
      visibilityTimeoutSeconds: 1,
      deadLetter: { url: aws.queues[name].deadLetterUrl, maxReceiveCount: MAX_RECEIVES },
    });

  it('records every message the redrive policy moved: envelope, ledger entry, metric and page; never the body', {
    timeout: 60_000,
  }, async () => {
    // Prepare: two stage messages and one intake message reach handlers that crash on every record
    const payloads = new S3PayloadStore(aws.s3, { bucket: aws.bucket });
    const sqs = new SqsMessageQueue(aws.sqs);
    const requests = ['req-1', 'req-2'].map((requestId) => ({
      version: 1 as const,
      requestId,
      type: 'access' as const,
      subject: { email: [EMAIL] },
      jurisdiction: 'GDPR',
      receivedAt: '2026-01-01T00:00:00.000Z',
      deadline: '2026-02-01T00:00:00.000Z',
      deadlineComputed: true,
    }));
    for (const request of requests) {
      const message = await buildStageMessage(
        {
          requestId: request.requestId,
          type: 'access',
          jurisdiction: 'GDPR',
          deadline: request.deadline,
          subjectHash: hashOf(request.subject),
          traceId: `trace-${request.requestId}`,
          tablesTouched: ['postgres:public.users'],
        },
        findingsSourceOf(findingsFor(request)),
        payloads,
      );
      await aws.sqs.send(
        new SendMessageCommand({ QueueUrl: aws.queues.gate.url, MessageBody: JSON.stringify(message) }),
      );
    }
    await aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: aws.queues.high.url,
        MessageBody: intakeBody('req-3', { email: [EMAIL] }),
      }),
    );
    const pollers = [crashingPoller('gate'), crashingPoller('high')];
    await LocalEventSourcePoller.drain(pollers, { timeoutMs: 30_000 });
    const ledger = new InMemoryLedger();
    // The extractor wrote `received` for req-3 before its container crashed for good.
    await ledger.append({
      requestId: 'req-3',
      state: 'received',
      at: '2026-01-01T00:00:00.000Z',
      stage: 'extract-high',
      traceId: 't3',
      detail: { subjectHash: hashOf({ email: [EMAIL] }) },
    });
    const lines: string[] = [];
    const pages: { requestId: string; kind: string; customDetails?: Record<string, unknown> }[] = [];
    const sources: DeadLetterSource[] = [
      { stage: 'gate', deadLetterUrl: aws.queues.gate.deadLetterUrl, maxReceiveCount: MAX_RECEIVES },
      { stage: 'extract-high', deadLetterUrl: aws.queues.high.deadLetterUrl, maxReceiveCount: MAX_RECEIVES },
      { stage: 'load', deadLetterUrl: aws.queues.load.deadLetterUrl, maxReceiveCount: MAX_RECEIVES },
    ];
    const deps = {
      sources,
      inbox: sqs,
      queue: sqs,
      payloads,
      ledger,
      metrics: new ComplianceMetrics((l) => lines.push(l)),
      pagerDuty: {
        trigger: async (incident: (typeof pages)[number]) => {
          pages.push(incident);
          return 'key';
        },
      },
      logger: createLogger({ sink: (l) => lines.push(l) }),
      subjectHashOfIntake: (body: string) =>
        hashOf((JSON.parse(body) as { subject: Record<string, string[]> }).subject),
      visibilitySeconds: 5,
    };

    // Act
    const outcome = await recordDeadLetters(deps);

    // Assess: each raw dead letter is now an envelope pointing at its body in the bucket
    expect(outcome).toEqual({ recorded: 3, enveloped: 0, failed: 0 });
    const letters = [
      ...(await sqs.receive(aws.queues.gate.deadLetterUrl, 30)),
      ...(await sqs.receive(aws.queues.high.deadLetterUrl, 30)),
    ];
    expect(letters).toHaveLength(3);
    const envelopes = letters.map((l) => readDeadLetterEnvelope(l.body));
    for (const envelope of envelopes) {
      expect(envelope).toMatchObject({ code: HANDLER_CRASHED, attempt: MAX_RECEIVES });
      const object = await aws.s3.send(
        new GetObjectCommand({ Bucket: aws.bucket, Key: envelope?.original.key }),
      );
      expect(await object.Body?.transformToString()).toContain('"requestId":"req-');
    }
    const subjectHash = hashOf({ email: [EMAIL] });
    expect(envelopes.map((e) => [e?.stage, e?.requestId, e?.subjectHash]).sort()).toEqual([
      ['extract-high', 'req-3', subjectHash],
      ['gate', 'req-1', subjectHash],
      ['gate', 'req-2', subjectHash],
    ]);
    // … a dead_lettered ledger entry with stage, receive count and subject hash (what `dsr status` shows)
    for (const [id, stage] of [
      ['req-1', 'gate'],
      ['req-2', 'gate'],
      ['req-3', 'extract-high'],
    ] as const) {
      const last = (await ledger.history(id)).at(-1);
      expect(last).toMatchObject({
        state: 'dead_lettered',
        stage,
        detail: { code: HANDLER_CRASHED, receiveCount: MAX_RECEIVES, subjectHash },
      });
    }
    // … a metric and a page each
    expect(lines.filter((l) => l.includes('"SilentDeadLetter"'))).toHaveLength(3);
    expect(pages.map((p) => p.requestId).sort()).toEqual(['req-1', 'req-2', 'req-3']);
    expect(pages.every((p) => p.kind === 'silent_dead_letter')).toBe(true);
    // … and no identifier in any line, page or envelope
    const everything = JSON.stringify([lines, pages, letters.map((l) => l.body)]);
    expect(everything).not.toContain(EMAIL);

    // A second run finds only envelopes: nothing is recorded twice, and they stay in their queues
    for (const l of letters)
      await sqs.release(
        l.body.includes('"extract-high"') ? aws.queues.high.deadLetterUrl : aws.queues.gate.deadLetterUrl,
        l.receiptHandle,
      );
    expect(await recordDeadLetters(deps)).toEqual({ recorded: 0, enveloped: 3, failed: 0 });
    expect(pages).toHaveLength(3);
    expect(ledger.entries.filter((e) => e.state === 'dead_lettered')).toHaveLength(3);
  });
});
