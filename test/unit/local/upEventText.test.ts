import { describe, expect, it } from 'vitest';
import type { UpEvent } from '../../../local/pipeline/UpEvent';
import { upEventText } from '../../../local/pipeline/upEventText';

const started: UpEvent = {
  event: 'started',
  stateDir: '/home/me/clinic/.dsr',
  envFile: '/home/me/clinic/.dsr/env',
  dataMapFile: 'clinic.yaml',
  warehouse: {
    kind: 'local',
    warehouse: 'LOCAL_WH',
    database: 'DSR',
    schema: 'EVIDENCE',
    url: 'http://127.0.0.1:41001',
    file: '/home/me/clinic/.dsr/warehouse.duckdb',
  },
  queues: { high: 'http://127.0.0.1:41002/q/dsr-high', standard: 'http://127.0.0.1:41002/q/dsr-standard' },
  endpoints: { sqs: 'http://127.0.0.1:41002', s3: 'http://127.0.0.1:41003' },
  ports: { sqs: 41002, s3: 41003, snowflake: 41001 },
  portsMoved: [],
  bucket: 'dsr-bridge-payloads',
  completionsFile: '/home/me/clinic/.dsr/completions.ndjson',
};

describe('Function: upEventText', () => {
  it('prints the start-up lines dsr up has always printed, the moved ports only when some moved', () => {
    // Act
    const fresh = upEventText(started);
    const moved = upEventText({ ...started, portsMoved: ['sqs', 's3'] });
    const account = upEventText({
      ...started,
      warehouse: { ...started.warehouse, kind: 'account', url: null, file: null },
    });

    // Assess
    expect(fresh).toEqual([
      'dsr up: the pipeline runs on the local Snowflake endpoint, state in /home/me/clinic/.dsr',
    ]);
    expect(moved).toEqual([
      'dsr up: the pipeline runs on the local Snowflake endpoint, state in /home/me/clinic/.dsr',
      '  (the sqs, s3 port(s) were taken: source /home/me/clinic/.dsr/env again)',
    ]);
    expect(account[0]).toBe(
      'dsr up: the pipeline runs on your Snowflake account, state in /home/me/clinic/.dsr',
    );
  });

  it('prints the instructions, with the count of resumed requests only when there are some', () => {
    const ready = {
      event: 'ready',
      envFile: '/s/env',
      dataMapFile: 'clinic.yaml',
      completionsFile: '/s/completions.ndjson',
    } as const;
    const instructions = [
      'In another terminal: . /s/env',
      '  npx dsr submit --queue-url "$DSR_QUEUE_URL" --request-id REQ-1 --subject email=… --jurisdiction GDPR --datamap clinic.yaml',
      '  npx dsr status REQ-1 · npx dsr report REQ-1 --datamap clinic.yaml',
      'Completion events (what the deployed stack publishes to its SNS topic): /s/completions.ndjson',
      'Press Ctrl+C to stop; unfinished requests are picked up again on the next start.',
    ];

    expect(upEventText({ ...ready, resumed: 0 })).toEqual(instructions);
    expect(upEventText({ ...ready, resumed: 2 })).toEqual([
      '  2 unfinished request(s) submitted again',
      ...instructions,
    ]);
  });

  it('prints a request by its id and state, with the report command once answered', () => {
    const report = 'npx dsr report REQ-1 --datamap clinic.yaml';
    const pkg = 's3://dsr-bridge-payloads/packages/REQ-1/';

    expect(upEventText({ event: 'request', requestId: 'REQ-1', state: 'discovering', final: false })).toEqual(
      ['  REQ-1: discovering'],
    );
    expect(
      upEventText({
        event: 'request',
        requestId: 'REQ-1',
        state: 'loaded',
        final: true,
        package: pkg,
        report,
      }),
    ).toEqual(['  REQ-1: loaded (npx dsr report REQ-1 --datamap clinic.yaml)']);
    expect(
      upEventText({
        event: 'request',
        requestId: 'REQ-1',
        state: 'erasure_unverified',
        final: true,
        package: pkg,
      }),
    ).toEqual(['  REQ-1: erasure_unverified']);
    expect(
      upEventText({
        event: 'request',
        requestId: 'REQ-1',
        state: 'erased',
        final: true,
        package: pkg,
        report,
        beforeLastStop: true,
      }),
    ).toEqual(['  REQ-1: erased (npx dsr report REQ-1 --datamap clinic.yaml), before the last stop']);
    expect(upEventText({ event: 'completion_published_late', requestId: 'REQ-1' })).toEqual([
      '  REQ-1: completion event published late, by the deadline check',
    ]);
  });

  it('prints nothing on stdout for the stop, which the command reports on stderr', () => {
    expect(upEventText({ event: 'stopped', signal: 'SIGINT', unfinished: 1, stateDir: '/s' })).toEqual([]);
  });
});
