import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupKey, PagerDutyClient, PagerDutyError } from '../../../shared/alerting/PagerDutyClient';

describe('Class: PagerDutyClient', () => {
  const requests: { path: string; body: Record<string, unknown> }[] = [];
  let status = 202;
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    server = createServer(async (req: IncomingMessage, res) => {
      let text = '';
      for await (const chunk of req) text += chunk;
      requests.push({ path: req.url ?? '', body: JSON.parse(text) });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/enqueue`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = () => new PagerDutyClient({ endpoint, routingKey: { get: async () => 'R0UTING' } });

  it('triggers with the routing key, a stable dedup key and a critical payload', async () => {
    requests.length = 0;
    const key = await client().trigger({
      requestId: 'req-9',
      kind: 'column_added',
      summary: 'quarantined',
      customDetails: { driftPercent: 12.5 },
    });
    expect(key).toBe(dedupKey('req-9', 'column_added'));
    expect(key.length).toBeLessThanOrEqual(255);
    expect(requests[0]?.path).toBe('/v2/enqueue');
    expect(requests[0]?.body).toEqual({
      routing_key: 'R0UTING',
      event_action: 'trigger',
      dedup_key: key,
      payload: {
        summary: 'quarantined',
        source: 'dsr-bridge',
        severity: 'critical',
        custom_details: { requestId: 'req-9', kind: 'column_added', driftPercent: 12.5 },
      },
    });
  });

  it('resolves with the same dedup key as the trigger', async () => {
    requests.length = 0;
    const triggered = await client().trigger({ requestId: 'req-9', kind: 'column_added', summary: 's' });
    const resolved = await client().resolve('req-9', 'column_added');
    expect(resolved).toBe(triggered);
    expect(requests[1]?.body).toEqual({
      routing_key: 'R0UTING',
      event_action: 'resolve',
      dedup_key: triggered,
    });
    expect(dedupKey('req-9', 'table_missing')).not.toBe(triggered);
  });

  it('reports 5xx as retryable and 400 as permanent', async () => {
    status = 503;
    const e503 = await client()
      .resolve('r', 'k')
      .catch((e: unknown) => e);
    status = 400;
    const e400 = await client()
      .resolve('r', 'k')
      .catch((e: unknown) => e);
    status = 202;
    expect(e503).toBeInstanceOf(PagerDutyError);
    expect((e503 as PagerDutyError).retryable).toBe(true);
    expect((e400 as PagerDutyError).retryable).toBe(false);
  });
});
