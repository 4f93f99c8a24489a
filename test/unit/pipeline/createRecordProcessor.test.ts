import { describe, expect, it } from 'vitest';
import { InvalidInputError, UnexpectedDataError } from '../../../shared/errors/errors';
import type { PayloadStore } from '../../../shared/payload/PayloadStore';
import { createRecordProcessor } from '../../../shared/pipeline/createRecordProcessor';
import type { MessageQueue } from '../../../shared/pipeline/MessageQueue';
import type { StageWork } from '../../../shared/pipeline/RecordContext';
import type { SqsRecord } from '../../../shared/pipeline/sqsEvent';
import { PostgresError } from '../../../shared/postgres/errors';
import { DependencyUnavailableError } from '../../../shared/resilience/DependencyUnavailableError';
import type { InternalErrorMetric } from '../../../shared/telemetry/ComplianceMetrics';
import { createLogger } from '../../../shared/telemetry/createLogger';
import { InMemoryLedger } from '../../support/InMemoryLedger';

function record(id: string, body: string, receiveCount = 1): SqsRecord {
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body,
    attributes: { ApproximateReceiveCount: String(receiveCount) },
    messageAttributes: {},
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:1:dsr-gate',
    awsRegion: 'eu-west-1',
  };
}

function setup(work: StageWork, options: { maxInternalAttempts?: number } = {}) {
  const sent: { url: string; body: string; metadata: Record<string, string> }[] = [];
  const visibility: { handle: string; seconds: number }[] = [];
  const objects = new Map<string, string>();
  const queue: MessageQueue = {
    send: async () => undefined,
    sendToDeadLetter: async (url, body, metadata) => {
      sent.push({ url, body, metadata: { ...metadata } });
    },
    changeVisibility: async (_arn, handle, seconds) => {
      visibility.push({ handle, seconds });
    },
  };
  const payloads: PayloadStore = {
    bucket: 'b',
    put: async (key, body) => {
      objects.set(key, body);
      return { bucket: 'b', key };
    },
    get: async (pointer) => {
      const body = objects.get(pointer.key);
      return body === undefined ? undefined : { body, metadata: {} };
    },
    list: async function* (prefix) {
      yield [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
    delete: async (key) => {
      objects.delete(key);
    },
  };
  const logs: string[] = [];
  const metrics: InternalErrorMetric[] = [];
  const handler = createRecordProcessor(
    {
      stage: 'gate',
      deadLetterQueueUrl: 'dlq',
      queue,
      payloads,
      ledger: new InMemoryLedger(),
      logger: createLogger({ sink: (l) => logs.push(l) }),
      backoff: { baseSeconds: 2, capSeconds: 60, random: () => 0.999 },
      metrics: { internalError: (m) => metrics.push(m) },
      ...options,
      maxReceiveCount: 3,
    },
    work,
  );
  return { handler, sent, visibility, objects, logs, metrics };
}

describe('Function: createRecordProcessor', () => {
  it('reports only retryable failures, dead-letters permanent ones, and never throws for a full failure', async () => {
    const { handler, sent, visibility } = setup(async (body) => {
      if (body === 'retry') throw new PostgresError('reset', true, '08006', true);
      if (body === 'bad') throw new InvalidInputError('bad input');
    });
    const response = await handler({
      Records: [record('1', 'ok'), record('2', 'retry', 2), record('3', 'bad')],
    });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
    expect(visibility).toEqual([{ handle: 'rh-2', seconds: 4 }]);
    expect(sent.map((s) => s.metadata.code)).toEqual(['INVALID_INPUT']);

    const allFail = await handler({ Records: [record('4', 'retry')] });
    expect(allFail.batchItemFailures).toEqual([{ itemIdentifier: '4' }]);
  });

  it('returns a record refused by an open circuit for at least as long as the circuit stays open', async () => {
    const { handler, visibility } = setup(async () => {
      throw new DependencyUnavailableError('postgres', 30_000);
    });
    const response = await handler({ Records: [record('1', 'x', 1)] });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '1' }] });
    // The backoff alone would be 2 s on the first receive; the circuit reopens only after 30 s.
    expect(visibility).toEqual([{ handle: 'rh-1', seconds: 30 }]);
  });

  it('dead-letters a retryable failure at maxReceiveCount, with the original body only in the bucket', async () => {
    const { handler, sent, objects } = setup(async () => {
      throw new PostgresError('reset', true, '08006', true);
    });
    const response = await handler({ Records: [record('5', 'payload-with-pii', 3)] });
    expect(response.batchItemFailures).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).not.toContain('payload-with-pii');
    expect(sent[0]?.metadata).toMatchObject({
      stage: 'gate',
      code: 'PG_08006',
      attempt: '3',
      retryable: 'true',
    });
    const envelope = JSON.parse(sent[0]?.body ?? '{}');
    expect(objects.get(envelope.original.key)).toBe('payload-with-pii');
  });

  it('unwraps a redriven dead-letter envelope and processes the original body', async () => {
    const bodies: string[] = [];
    const first = setup(async () => {
      throw new InvalidInputError('not yet');
    });
    await first.handler({ Records: [record('6', 'original')] });
    const envelope = first.sent[0]?.body ?? '';
    const second = setup(async (body) => {
      bodies.push(body);
    });
    for (const [key, value] of first.objects) second.objects.set(key, value);
    expect(await second.handler({ Records: [record('7', envelope)] })).toEqual({ batchItemFailures: [] });
    expect(bodies).toEqual(['original']);
  });

  it('retries an internal error a bounded number of times with backoff, then dead-letters it as INTERNAL_ERROR', async () => {
    // Prepare: a bug in the stage (a NULL where an object was expected), on every delivery
    const { handler, sent, visibility, metrics, logs } = setup(async () => {
      const row = JSON.parse('null') as { id: string };
      void row.id;
    });
    // Act: receives 1 and 2 back off; receive 3 is the last one for an internal error
    const first = await handler({ Records: [record('8', 'body', 1)] });
    const second = await handler({ Records: [record('8', 'body', 2)] });
    const third = await handler({ Records: [record('8', 'body', 3)] });
    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: '8' }]);
    expect(second.batchItemFailures).toEqual([{ itemIdentifier: '8' }]);
    expect(visibility).toEqual([
      { handle: 'rh-8', seconds: 2 },
      { handle: 'rh-8', seconds: 4 },
    ]);
    expect(third.batchItemFailures).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.metadata).toMatchObject({
      code: 'INTERNAL_ERROR',
      errorClass: 'TypeError',
      retryable: 'false',
      attempt: '3',
    });
    const envelope = JSON.parse(sent[0]?.body ?? '{}');
    expect(envelope.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(sent[0]?.metadata.fingerprint).toBe(envelope.fingerprint);
    expect(metrics).toEqual([{ stage: 'gate', errorClass: 'TypeError', fingerprint: envelope.fingerprint }]);
    // The runtime's message ("Cannot read properties of null") is not recorded anywhere.
    expect(logs.join('\n')).not.toContain('Cannot read properties');
  });

  it('gives a dependency fault the whole receive budget, but an internal error only its own', async () => {
    const dependency = setup(async () => {
      throw new PostgresError('reset', true, '08006', true);
    });
    const internal = setup(
      async () => {
        throw new UnexpectedDataError('a primary-key value is NULL');
      },
      { maxInternalAttempts: 2 },
    );
    expect((await dependency.handler({ Records: [record('9', 'x', 2)] })).batchItemFailures).toHaveLength(1);
    expect((await internal.handler({ Records: [record('9', 'x', 2)] })).batchItemFailures).toEqual([]);
    expect(internal.sent[0]?.metadata).toMatchObject({
      code: 'INTERNAL_ERROR',
      errorClass: 'UnexpectedDataError',
    });
  });
});
