import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../shared/errors/errors';
import { createRecordProcessor } from '../../../shared/pipeline/createRecordProcessor';
import { TransportError } from '../../../shared/pipeline/errors';
import type { MessageQueue } from '../../../shared/pipeline/MessageQueue';
import type { PayloadStore } from '../../../shared/pipeline/PayloadStore';
import type { StageWork } from '../../../shared/pipeline/RecordContext';
import type { SqsRecord } from '../../../shared/pipeline/sqsEvent';
import { DependencyUnavailableError } from '../../../shared/resilience/DependencyUnavailableError';
import { createLogger } from '../../../shared/telemetry/createLogger';
import { InMemoryLedger } from './support/InMemoryLedger';

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

function setup(work: StageWork) {
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
    put: async (key, body) => {
      objects.set(key, body);
      return { bucket: 'b', key };
    },
    get: async (pointer) => {
      const body = objects.get(pointer.key);
      return body === undefined ? undefined : { body, metadata: {} };
    },
  };
  const logs: string[] = [];
  const handler = createRecordProcessor(
    {
      stage: 'gate',
      deadLetterQueueUrl: 'dlq',
      queue,
      payloads,
      ledger: new InMemoryLedger(),
      logger: createLogger({ sink: (l) => logs.push(l) }),
      backoff: { baseSeconds: 2, capSeconds: 60, random: () => 0.999 },
      maxReceiveCount: 3,
    },
    work,
  );
  return { handler, sent, visibility, objects, logs };
}

describe('Function: createRecordProcessor', () => {
  it('reports only retryable failures, dead-letters permanent ones, and never throws for a full failure', async () => {
    const { handler, sent, visibility } = setup(async (body) => {
      if (body === 'retry') throw new TransportError('reset');
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
      throw new TransportError('reset');
    });
    const response = await handler({ Records: [record('5', 'payload-with-pii', 3)] });
    expect(response.batchItemFailures).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).not.toContain('payload-with-pii');
    expect(sent[0]?.metadata).toMatchObject({
      stage: 'gate',
      code: 'TRANSPORT',
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
});
