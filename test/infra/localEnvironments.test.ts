import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FunctionName, functionConfigs } from '../../functions/functionConfigs';
import { PIPELINE_QUEUES } from '../../local/aws/startLocalAws';
import {
  ENDPOINT_VARIABLES,
  type LocalStandIns,
  localFunctionEnvironments,
  localProps,
  SECRET_STAND_INS,
} from '../../local/pipeline/localFunctionEnvironments';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { synthesizedEnvironments } from './templateEnvironments';

const ROOT = join(import.meta.dirname, '../..');
const DEMO_MAP = join(ROOT, 'local/demo/datamap.yaml');
const SAMPLE_MAP = join(ROOT, 'local/sample/datamap.yaml');
const ERASURE_MAP = join(import.meta.dirname, 'fixtures/erasure-datamap.yaml');

const standIns = (dataMapFile: string): LocalStandIns => ({
  dataMapFile,
  pgDsn: 'postgres://dsr:secret@127.0.0.1:54329/shop',
  erasurePgDsn: 'postgres://dsr_erasure:secret@127.0.0.1:54329/shop',
  erasureMaskKey: 'm'.repeat(40),
  subjectHashKey: 'k'.repeat(40),
  snowflake: {
    account: 'local',
    url: 'http://127.0.0.1:18080',
    user: 'DSR',
    password: 'dsr',
    database: 'DSR',
    schema: 'EVIDENCE',
  },
  aws: {
    region: 'us-east-1',
    sqsEndpoint: 'http://127.0.0.1:19324',
    s3Endpoint: 'http://127.0.0.1:14569',
    bucket: 'dsr-bridge-payloads',
    queues: Object.fromEntries(
      PIPELINE_QUEUES.map((q) => [
        q,
        {
          url: `http://127.0.0.1:19324/000000000000/dsr-${q}`,
          arn: `arn:aws:sqs:us-east-1:000000000000:dsr-${q}`,
          deadLetterUrl: `http://127.0.0.1:19324/000000000000/dsr-${q}-dlq`,
          deadLetterArn: `arn:aws:sqs:us-east-1:000000000000:dsr-${q}-dlq`,
          maxReceiveCount: 5,
        },
      ]),
    ) as LocalStandIns['aws']['queues'],
  },
  pagerDuty: { url: 'http://127.0.0.1:18081/v2/enqueue', routingKey: 'local-routing-key' },
  maxReceiveCount: 5,
});

// The first synthesis in a process loads aws-cdk-lib, which takes a while on a busy machine.
describe('Local runtime: each function runs the environment the stack deploys', { timeout: 120_000 }, () => {
  for (const [label, file] of [
    ['data map with Snowflake tables (the demo)', DEMO_MAP],
    ['PostgreSQL-only data map', SAMPLE_MAP],
    ['data map erasing rows in both systems', ERASURE_MAP],
  ] as const) {
    it(`differs from the deployed environment only in endpoints and secrets: ${label}`, () => {
      const local = localFunctionEnvironments(standIns(file));
      // The stack synthesised with the same props, references left as markers: what it deploys,
      // variable by variable. The local runtime loads no CDK; this is where the two meet.
      const deployed = synthesizedEnvironments(
        localProps(standIns(file)),
        (_s, ref) => `ref:${ref.type}:${ref.attribute ?? 'Ref'}`,
      );
      for (const name of Object.keys(deployed) as FunctionName[]) {
        const expected: Record<string, string | RegExp> = {};
        for (const [key, value] of Object.entries(deployed[name])) {
          // Source maps for a bundle's stack traces: the local runtime runs no bundle.
          if (key === 'NODE_OPTIONS') continue;
          const standIn = SECRET_STAND_INS[key];
          if (standIn) for (const k of standIn) expected[k] = /./;
          else if (key === 'DSR_DATAMAP_PATH') expected[key] = file;
          else if (value.startsWith('ref:'))
            expected[key] =
              /^(http:\/\/127\.0\.0\.1|arn:aws:(sqs|sns):us-east-1:0{12}|alias\/|dsr-bridge-payloads)/;
          // References inside a structured value (the recorder's JSON list of dead-letter queues):
          // the same text, each reference replaced by a loopback queue URL.
          else if (value.includes('ref:'))
            expected[key] = new RegExp(
              `^${value
                .split(/ref:AWS::SQS::Queue:Ref/)
                .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
                .join('http://127\\.0\\.0\\.1:\\d+/0{12}/[a-z-]+')}$`,
            );
          else expected[key] = value;
        }
        for (const k of ENDPOINT_VARIABLES) expected[k] = /./;
        expect(Object.keys(local[name]).sort(), name).toEqual(Object.keys(expected).sort());
        for (const [key, want] of Object.entries(expected)) {
          const got = local[name][key] ?? '';
          if (typeof want === 'string') expect(got, `${name} ${key}`).toBe(want);
          else expect(got, `${name} ${key}`).toMatch(want);
        }
        // And it starts: the function's own schema accepts it.
        expect(() =>
          functionConfigs[name].parse(local[name], (p) => parseDataMap(readFileSync(p, 'utf8'), p)),
        ).not.toThrow();
      }
    });
  }

  it("gives the erase function the erasure role's DSN, the mask key and the local erasure user", () => {
    const local = localFunctionEnvironments(standIns(ERASURE_MAP));
    const parsed = functionConfigs.erase.parse(local.erase, (p) =>
      parseDataMap(readFileSync(p, 'utf8'), p),
    ) as {
      env: Record<string, unknown>;
      snowflake: { env: Record<string, unknown> };
      snowflakeErasure?: { env: Record<string, unknown> };
    };
    expect(parsed.env).toMatchObject({
      DSR_ERASURE_PG_DSN: 'postgres://dsr_erasure:secret@127.0.0.1:54329/shop',
      PG_DSN: 'postgres://dsr:secret@127.0.0.1:54329/shop',
      DSR_ERASURE_MASK_KEY: 'm'.repeat(40),
      CONTINUE_QUEUE_URL: 'http://127.0.0.1:19324/000000000000/dsr-erase',
      DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:19324/000000000000/dsr-erase-dlq',
    });
    expect(parsed.snowflakeErasure?.env).toMatchObject({
      SNOWFLAKE_USER: 'DSR',
      SNOWFLAKE_ROLE: 'PUBLIC',
      SNOWFLAKE_PASSWORD: 'dsr',
      SNOWFLAKE_ACCESS_URL: 'http://127.0.0.1:18080',
    });
    expect(local.gate?.ERASE_QUEUE_URL).toBe('http://127.0.0.1:19324/000000000000/dsr-erase');
    // Nothing names a secret locally.
    expect(Object.keys(local.erase).filter((k) => /SECRET/.test(k))).toEqual([]);
  });

  it("gives the demo's extractors the deployed read-only Snowflake settings, so their findings come from them", () => {
    const local = localFunctionEnvironments(standIns(DEMO_MAP));
    for (const name of ['extractHigh', 'extractStandard'] as const) {
      const parsed = functionConfigs[name].parse(local[name], (p) =>
        parseDataMap(readFileSync(p, 'utf8'), p),
      ) as { snowflake?: { env: Record<string, unknown> } };
      expect(parsed.snowflake?.env).toMatchObject({
        SNOWFLAKE_ACCOUNT: 'local',
        SNOWFLAKE_ROLE: 'PUBLIC',
        SNOWFLAKE_WAREHOUSE: 'LOCAL_WH',
        SNOWFLAKE_ACCESS_URL: 'http://127.0.0.1:18080',
      });
    }
    const sample = localFunctionEnvironments(standIns(SAMPLE_MAP));
    expect(Object.keys(sample.extractHigh).filter((k) => k.startsWith('SNOWFLAKE_'))).toEqual([]);
  });
});
