import { describe, expect, it } from 'vitest';
import { stageEnv } from '../../../functions/common/stageEnv';
import { stageHandler } from '../../../functions/common/stageHandler';
import { readConfig } from '../../../shared/config/readConfig';
import type { DataMap } from '../../../shared/datamap/dataMapSchema';
import { ConfigError } from '../../../shared/errors/errors';
import type { SqsEvent } from '../../../shared/pipeline/sqsEvent';
import { InMemoryLedger } from '../../support/InMemoryLedger';

const ENV = {
  DSR_STAGE: 'gate',
  PAYLOAD_BUCKET: 'payloads',
  DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:1/queue/dlq',
  AWS_REGION: 'eu-west-1',
};
const DATA_MAP = { version: 1, identities: {}, postgres: [], snowflake: [] } as unknown as DataMap;
const NOW = new Date('2026-03-05T10:00:00.000Z');

const event = (...bodies: string[]): SqsEvent => ({
  Records: bodies.map((body, i) => ({
    messageId: `m-${i}`,
    receiptHandle: `h-${i}`,
    body,
    attributes: { ApproximateReceiveCount: '1' },
    messageAttributes: {},
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:gate',
    awsRegion: 'eu-west-1',
  })),
});

/** A stage handler whose configuration parses and wiring runs are counted, and whose work and batch prelude record their order. */
function countedHandler(rawEnv: NodeJS.ProcessEnv) {
  const seen = { parsed: 0, wired: 0, calls: [] as string[], stage: '', now: undefined as Date | undefined };
  const handler = stageHandler(
    rawEnv,
    { now: () => NOW },
    (raw) => {
      seen.parsed++;
      return { env: readConfig(stageEnv, raw), dataMap: DATA_MAP };
    },
    ({ stageDeps }) => {
      seen.wired++;
      const deps = stageDeps(new InMemoryLedger());
      seen.stage = deps.stage;
      seen.now = deps.now?.();
      return {
        ledger: deps.ledger,
        work: async (body) => {
          seen.calls.push(`work:${body}`);
        },
        beforeBatch: async () => {
          seen.calls.push('beforeBatch');
        },
      };
    },
  );
  return { handler, seen };
}

describe('Function: stageHandler', () => {
  it('parses the configuration and wires the stage once per container, and runs the batch prelude before each batch', async () => {
    // Prepare
    const { handler, seen } = countedHandler(ENV);
    // Act
    const first = await handler(event('a', 'b'));
    const second = await handler(event('c'));
    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect(seen.parsed).toBe(1);
    expect(seen.wired).toBe(1);
    expect(seen.calls).toEqual(['beforeBatch', 'work:a', 'work:b', 'beforeBatch', 'work:c']);
  });

  it("gives the stage its name from DSR_STAGE and the runtime's clock", async () => {
    const { handler, seen } = countedHandler(ENV);
    await handler(event());
    expect(seen.stage).toBe('gate');
    expect(seen.now).toEqual(NOW);
  });

  it('fails with a ConfigError naming the variable, and tries again on the next invocation', async () => {
    // Prepare: the stage name is malformed.
    const { handler, seen } = countedHandler({ ...ENV, DSR_STAGE: 'Not A Stage' });
    // Act and assess
    const failure = await handler(event('a')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).variable).toBe('DSR_STAGE');
    await expect(handler(event('a'))).rejects.toBeInstanceOf(ConfigError);
    expect(seen.parsed).toBe(2);
    expect(seen.wired).toBe(0);
    expect(seen.calls).toEqual([]);
  });
});
