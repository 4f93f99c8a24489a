import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback stand-in for PagerDuty's Events API v2 that records every event it is sent. */
export interface LocalPagerDuty {
  readonly url: string;
  readonly events: readonly Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startLocalPagerDuty(): Promise<LocalPagerDuty> {
  const events: Record<string, unknown>[] = [];
  const server: Server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    try {
      events.push(JSON.parse(text) as Record<string, unknown>);
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"status":"invalid event"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/enqueue`,
    events,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
