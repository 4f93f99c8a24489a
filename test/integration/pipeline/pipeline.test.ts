import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { type Message, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SqsMessageQueue } from '../../../adapters/aws/SqsMessageQueue';
import { type LocalAws, startLocalAws } from '../../../local/aws/startLocalAws';
import { dedupKey } from '../../../shared/alerting/PagerDutyClient';
import { DataMapError } from '../../../shared/errors/errors';
import { redriveStage } from '../../../shared/pipeline/stages/redriveStage';
import { PostgresError } from '../../../shared/postgres/errors';
import { createLogger } from '../../../shared/telemetry/createLogger';
import { waitFor } from '../../support/waitFor';
import {
  findingsFor,
  hashOf,
  intakeBody,
  type PipelineHarness,
  startPipelineHarness,
} from './support/pipelineHarness';

const EMAIL = 'Ana.Lopez@Example.com';
const PHONE = '+44 20 7946 0011';

/** Receives every visible message once (and hides them for 30 s). */
async function receiveAll(h: PipelineHarness, url: string): Promise<Message[]> {
  const result = await h.aws.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      AttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  const seen = new Set<string>();
  return (result.Messages ?? []).filter((m) => !seen.has(m.MessageId ?? '') && seen.add(m.MessageId ?? ''));
}

async function send(h: PipelineHarness, url: string, body: string): Promise<void> {
  await h.aws.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
}

const farDeadline = () => new Date(Date.now() + 20 * 86_400_000).toISOString();

describe('Pipeline on local SQS and S3', () => {
  // SQS and S3 start once; each test gets its own queues and bucket on them.
  let aws: LocalAws;
  let h: PipelineHarness;
  beforeAll(async () => {
    aws = await startLocalAws();
  });
  afterAll(async () => {
    await aws?.stop();
  });
  beforeEach(async () => {
    h = await startPipelineHarness({ aws });
  });
  afterEach(async () => {
    await h?.stop();
  });

  it('dead-letters a poison message with its reason while its batch-mates are loaded', async () => {
    const { queues } = h.aws;
    await send(h, queues.standard.url, intakeBody('req-a', { email: EMAIL }, { deadline: farDeadline() }));
    await send(h, queues.standard.url, '{ this is not json');
    await send(h, queues.standard.url, intakeBody('req-b', { phone: PHONE }, { deadline: farDeadline() }));
    await send(h, queues.standard.url, intakeBody('req-c', { passport: 'P1234567' }));

    const first = await h.pollers.standard.pollOnce(0);
    expect(first).toMatchObject({ received: 4, failed: 0, deleted: 4 });
    await h.drain();

    expect(h.ledger.states('req-a').at(-1)).toBe('loaded');
    expect(h.ledger.states('req-b').at(-1)).toBe('loaded');
    expect(h.loaded.map((d) => d.requestId).sort()).toEqual(['req-a', 'req-b']);

    const dead = await receiveAll(h, queues.standard.deadLetterUrl);
    const reasons = dead.map((m) => m.MessageAttributes?.reason?.StringValue).sort();
    expect(reasons).toEqual(['not_json', 'unknown_identity_kind']);
    for (const m of dead) {
      expect(m.MessageAttributes?.stage?.StringValue).toBe('extract-standard');
      expect(m.MessageAttributes?.code?.StringValue).toBe('MALFORMED_REQUEST');
      expect(m.MessageAttributes?.errorClass?.StringValue).toBe('MalformedRequestError');
      expect(m.MessageAttributes?.attempt?.StringValue).toBe('1');
      // The body is an envelope pointing at the encrypted bucket, never the original message.
      expect(m.Body).not.toContain('P1234567');
      expect(JSON.parse(m.Body ?? '{}')).toMatchObject({ kind: 'dsr.deadLetter', code: 'MALFORMED_REQUEST' });
    }
    const withKind = dead.find((m) => m.MessageAttributes?.reason?.StringValue === 'unknown_identity_kind');
    expect(withKind?.MessageAttributes?.requestId).toBeUndefined();
  });

  it('returns a retryable failure to the queue with a growing visibility timeout, then loads it', async () => {
    let calls = 0;
    // The backoffs asked for are asserted below; waiting them out (7 s) would prove nothing more.
    h.waitOutBackoff = false;
    h.discover = async (request) => {
      calls += 1;
      if (calls <= 3) throw new PostgresError('connection reset', true, '08006', true);
      return findingsFor(request);
    };
    await send(h, h.aws.queues.high.url, intakeBody('req-r', { email: EMAIL }));
    await h.drain(30_000);

    expect(calls).toBe(4);
    expect(h.visibilityChanges.map((c) => c.seconds)).toEqual([1, 2, 4]);
    expect(h.visibilityChanges.every((c) => c.queueArn === h.aws.queues.high.arn)).toBe(true);
    // The ledger keeps one entry per (request, state, stage), as DSR_LEDGER does: the later
    // `discovering` and `retrying` of the same stage add nothing.
    expect(h.ledger.states('req-r')).toEqual([
      'received',
      'discovering',
      'retrying',
      'discovered',
      'gated',
      'loading',
      'loaded',
    ]);
    const attempts = h.logs.map((l) => JSON.parse(l)).filter((l) => l.message === 'will retry');
    expect(attempts.map((l) => l.attempt)).toEqual([1, 2, 3]);
  }, 40_000);

  it('changes nothing when a stage message is delivered again', async () => {
    await send(h, h.aws.queues.high.url, intakeBody('req-d', { email: EMAIL }));
    await h.drain();
    const body = h.sent.find((m) => m.queueUrl === h.aws.queues.gate.url)?.body ?? '';
    const sentBefore = h.sent.length;
    const before = [...h.ledger.states('req-d')];
    expect(before.at(-1)).toBe('loaded');

    // Duplicates of the intake, gate and load messages.
    await send(h, h.aws.queues.high.url, intakeBody('req-d', { email: EMAIL }));
    await send(h, h.aws.queues.gate.url, body);
    await send(h, h.aws.queues.load.url, body);
    await h.drain();

    expect(h.ledger.states('req-d')).toEqual(before);
    expect(h.loaded).toHaveLength(1);
    expect(h.sent).toHaveLength(sentBefore);
    const duplicates = h.logs
      .map((l) => JSON.parse(l))
      .filter((l) => String(l.message).startsWith('duplicate'));
    expect(duplicates.map((l) => l.stage).sort()).toEqual(['extract-high', 'gate', 'load']);
  });

  it('quarantines on a gate violation: S3 object with metadata, EMF metric, PagerDuty trigger, nothing sent on', async () => {
    h.checkDrift = async (tables) => ({
      status: 'NON_COMPLIANT',
      halt: true,
      findings: [{ driftType: 'column_added', table: tables[0] ?? '', column: 'nickname' }],
      driftPercent: 25,
    });
    await send(h, h.aws.queues.high.url, intakeBody('req-q', { email: EMAIL }));
    await h.drain();

    expect(h.ledger.states('req-q').at(-1)).toBe('quarantined');
    expect(h.loaded).toHaveLength(0);
    expect(await receiveAll(h, h.aws.queues.load.url)).toHaveLength(0);

    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    const head = await h.aws.s3.send(
      new HeadObjectCommand({ Bucket: h.aws.bucket, Key: `quarantine/${day}/req-q.json` }),
    );
    const hash = hashOf({ email: [EMAIL] });
    expect(head.Metadata).toMatchObject({
      'request-id': 'req-q',
      'subject-hash': hash,
      'drift-type': 'column_added',
      'error-category': 'schema_drift',
      'drift-percent': '25',
      stage: 'gate',
    });

    expect(h.metrics).toHaveLength(1);
    const emf = JSON.parse(h.metrics[0] ?? '{}');
    expect(emf._aws.CloudWatchMetrics[0].Namespace).toBe('DsrBridge');
    expect(emf._aws.CloudWatchMetrics[0].Dimensions).toContainEqual(['service']);
    expect(emf).toMatchObject({ ComplianceGateViolation: 1, service: 'dsr-bridge', subjectHash: hash });

    expect(h.pages).toHaveLength(1);
    expect(h.pages[0]).toMatchObject({
      routing_key: 'ROUTING-KEY',
      event_action: 'trigger',
      dedup_key: dedupKey('req-q', 'column_added'),
    });
  });

  it('redrives dead-lettered messages back to their source queue, where they are processed', async () => {
    // A permanent failure (e.g. a data map that no longer matches) dead-letters at once.
    h.discover = async () => {
      throw new DataMapError('datamap.yaml', [{ path: 'postgres[0]', message: 'table missing' }]);
    };
    await send(h, h.aws.queues.high.url, intakeBody('req-x', { email: EMAIL }));
    await h.drain();
    expect(h.ledger.states('req-x').at(-1)).toBe('dead_lettered');

    h.discover = async (request) => findingsFor(request);
    const outcomes = await redriveStage({
      deadLetterArns: [h.aws.queues.high.deadLetterArn, h.aws.queues.gate.deadLetterArn],
      mover: new SqsMessageQueue(h.aws.sqs),
      logger: createLogger({ sink: (l) => h.logs.push(l) }),
    });
    expect(outcomes[h.aws.queues.high.deadLetterArn]).toMatchObject({
      status: 'started',
      destinationArn: h.aws.queues.high.arn,
      messages: 1,
    });
    expect(outcomes[h.aws.queues.gate.deadLetterArn]).toEqual({ status: 'empty' });
    // The move task runs after the call returns: wait for the message to be back on its queue.
    expect(await waitFor(async () => (await h.pollers.high.pending()) > 0, 10_000)).toBe(true);
    await h.drain();
    // `discovering` again after the redrive is the same (request, state, stage): kept once.
    expect(h.ledger.states('req-x').slice(-6)).toEqual([
      'discovering',
      'dead_lettered',
      'discovered',
      'gated',
      'loading',
      'loaded',
    ]);
    expect(h.ledger.states('req-x').at(-1)).toBe('loaded');
  }, 30_000);

  it('never writes the raw identifiers to a log, metric or dead-letter body', async () => {
    h.checkDrift = async () => ({ status: 'NON_COMPLIANT', halt: true, findings: [], driftPercent: 100 });
    await send(h, h.aws.queues.high.url, intakeBody('req-p1', { email: EMAIL, phone: PHONE }));
    await send(h, h.aws.queues.high.url, intakeBody('req-p2', { email: EMAIL, passport: 'P1234567' }));
    await send(h, h.aws.queues.high.url, intakeBody('req-p3', { email: EMAIL }, { receivedAt: 'soon' }));
    await h.drain();
    const dead = await receiveAll(h, h.aws.queues.high.deadLetterUrl);
    expect(dead).toHaveLength(2);
    const everything = [
      ...h.logs,
      ...h.metrics,
      ...dead.map((m) => `${m.Body} ${JSON.stringify(m.MessageAttributes)}`),
    ];
    expect(h.logs.length).toBeGreaterThan(3);
    for (const text of everything) {
      for (const secret of [EMAIL, EMAIL.toLowerCase(), PHONE, '442079460011', 'P1234567']) {
        expect(text).not.toContain(secret);
      }
    }
  });
});
