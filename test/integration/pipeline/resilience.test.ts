import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../../local/aws/startLocalAws';
import { PostgresError } from '../../../shared/postgres/errors';
import { DependencyBreakers } from '../../../shared/resilience/DependencyBreakers';
import {
  findingsFor,
  intakeBody,
  type PipelineHarness,
  startPipelineHarness,
} from './support/pipelineHarness';

describe('Pipeline resilience on local SQS', () => {
  // SQS and S3 start once; each test gets its own queues and bucket on them.
  let aws: LocalAws;
  let h: PipelineHarness;
  beforeAll(async () => {
    aws = await startLocalAws();
  });
  afterAll(async () => {
    await aws?.stop();
  });
  afterEach(async () => {
    await h?.stop();
  });

  it('returns records to the queue with backoff, untried, while the circuit is open', async () => {
    const breakers = new DependencyBreakers({
      postgres: { kind: 'consecutive', threshold: 2, halfOpenAfterMs: 60_000 },
    });
    for (let i = 0; i < 2; i++) {
      await breakers
        .execute('postgres', () => Promise.reject(new PostgresError('reset', true, '08006', true)))
        .catch(() => undefined);
    }
    h = await startPipelineHarness({ aws, breakers });
    let tried = 0;
    h.discover = async (request) => {
      tried += 1;
      return findingsFor(request);
    };
    for (const id of ['req-o1', 'req-o2']) {
      await h.aws.sqs.send(
        new SendMessageCommand({
          QueueUrl: h.aws.queues.high.url,
          MessageBody: intakeBody(id, { user_id: id }),
        }),
      );
    }
    expect(await h.pollers.high.pollOnce(0)).toMatchObject({ received: 2, failed: 2, deleted: 0 });
    expect(tried).toBe(0);
    expect(h.visibilityChanges).toHaveLength(2);
    const codes = h.logs
      .map((l) => JSON.parse(l))
      .filter((l) => l.message === 'will retry')
      .map((l) => l.error.code);
    expect(codes).toEqual(['CIRCUIT_OPEN', 'CIRCUIT_OPEN']);
    expect(h.ledger.states('req-o1')).toEqual(['received', 'discovering', 'retrying']);
  });

  it('promotes a standard request whose deadline is near to the high queue', async () => {
    h = await startPipelineHarness({ aws });
    const deadline = new Date(Date.now() + 3 * 86_400_000).toISOString();
    await h.aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: h.aws.queues.standard.url,
        MessageBody: intakeBody('req-near', { user_id: '42' }, { deadline }),
      }),
    );
    await h.drain();
    expect(h.sent[0]?.queueUrl).toBe(h.aws.queues.high.url);
    const stages = h.ledger.entries
      .filter((e) => e.requestId === 'req-near')
      .map((e) => `${e.stage}:${e.state}`);
    expect(stages).toEqual([
      'extract-standard:received',
      'extract-high:discovering',
      'extract-high:discovered',
      'gate:gated',
      'load:loading',
      'load:loaded',
    ]);
  });

  it('sends large findings through the bucket between stages as parts with a manifest', async () => {
    h = await startPipelineHarness({ aws, claimCheckBytes: 10, partBytes: 10 });
    await h.aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: h.aws.queues.high.url,
        MessageBody: intakeBody('req-cc', { user_id: '7' }),
      }),
    );
    await h.drain();
    const toGate = JSON.parse(h.sent[0]?.body ?? '{}');
    expect(toGate.findings.parts.key).toMatch(/^claim-check\/req-cc\/[0-9a-f]{64}\/manifest\.json$/);
    expect(h.loaded[0]?.requestId).toBe('req-cc');
    // One finding per part at this part size: every part loaded once, in order.
    const parts = h.loadedParts.filter((p) => p.requestId === 'req-cc');
    expect(parts.length).toBeGreaterThan(0);
    expect(parts.every((p) => p.rows === 1 && p.parts === parts.length)).toBe(true);
    expect(parts.map((p) => p.part)).toEqual(parts.map((_, i) => i + 1));
    expect(h.loaded[0]?.findings).toHaveLength(parts.length);
  });
});
