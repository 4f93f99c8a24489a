import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FunctionName, functionConfigs, RUNTIME_VARIABLES } from '../../functions/functionConfigs';
import {
  functionEnvironments,
  type QueueReference,
  type ResourceReferences,
} from '../../functions/functionEnvironments';
import type { PipelineQueue } from '../../infra/constructs/PipelineQueue';
import type { DsrBridgeStack } from '../../infra/DsrBridgeStack';
import { resolveBridgeSettings } from '../../infra/resolveBridgeSettings';
import { stackPropsFromContext } from '../../infra/stackPropsFromContext';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { ConfigError } from '../../shared/errors/errors';
import {
  ERASURE_DATA_MAP,
  logicalId,
  SNOWFLAKE_CONTEXT,
  SNOWFLAKE_ERASURE_CONTEXT,
  SNOWFLAKE_READER_CONTEXT,
  synthesize,
} from './synthesize';
import {
  resolveEnvironment,
  synthesizedTemplate,
  type TemplateReference,
  templateEnvironments,
} from './templateEnvironments';

const ROOT = join(import.meta.dirname, '../..');
const SAMPLE_MAP = join(ROOT, 'local/sample/datamap.yaml');
const DEMO_MAP = join(ROOT, 'local/demo/datamap.yaml');
const DEMO_CONTEXT = { ...SNOWFLAKE_READER_CONTEXT, ...SNOWFLAKE_ERASURE_CONTEXT };
const ACCOUNT = '123456789012';

/** What each kind of reference is in a real account, so the schemas see values of the right shape. */
function awsValue(ref: TemplateReference): string {
  switch (`${ref.type}:${ref.attribute ?? 'Ref'}`) {
    case 'AWS::SQS::Queue:Ref':
      return `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/${ref.logicalId}`;
    case 'AWS::SQS::Queue:Arn':
      return `arn:aws:sqs:eu-west-1:${ACCOUNT}:${ref.logicalId}`;
    case 'AWS::SecretsManager::Secret:Ref':
      return `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:${ref.logicalId}-AbCdEf`;
    case 'AWS::S3::Bucket:Ref':
      return ref.logicalId.toLowerCase();
    case 'AWS::SNS::Topic:Ref':
      return `arn:aws:sns:eu-west-1:${ACCOUNT}:${ref.logicalId}`;
    case 'AWS::KMS::Key:Arn':
      return `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${ref.logicalId}`;
    default:
      throw new Error(`no stand-in for ${ref.type} ${ref.attribute ?? 'Ref'} (${ref.logicalId})`);
  }
}

/** Each function's environment as deployed, resolved to account values. */
function deployedEnvironments(dataMapFile: string, context: Record<string, unknown>) {
  const { app, stack } = synthesize({ dataMapFile }, context);
  const template = synthesizedTemplate(app, stack);
  const environments = templateEnvironments(stack, template);
  return Object.fromEntries(
    Object.entries(environments).map(([name, vars]) => [name, resolveEnvironment(vars, template, awsValue)]),
  ) as Record<FunctionName, Record<string, string>>;
}

const bundledMap = (file: string) => (path: string) => {
  // The stack copies the data map next to each bundle as datamap.yaml.
  expect(path).toBe('datamap.yaml');
  return parseDataMap(readFileSync(file, 'utf8'), file);
};

const VARIANTS: [string, string, Record<string, unknown>][] = [
  ['PostgreSQL-only data map, Snowflake settings only', SAMPLE_MAP, {}],
  [
    'PostgreSQL-only data map, every optional context value',
    SAMPLE_MAP,
    {
      pagerDutyUrl: 'https://events.pagerduty.com/integration/abc123/enqueue',
      vpcId: 'vpc-0a1b2c3d4e5f60789',
      availabilityZones: 'eu-west-1a,eu-west-1b',
      privateSubnetIds: 'subnet-0a1b2c3d4e5f60781,subnet-0a1b2c3d4e5f60782',
      securityGroupIds: 'sg-0a1b2c3d4e5f60789',
      rotatePostgresSecret: 'true',
      postgresSecretArn: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:pg-AbCdEf`,
      snowflakeSecretArn: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:sf-AbCdEf`,
      subjectHashKeySecretArn: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:hk-AbCdEf`,
      pagerDutyRoutingKeySecretArn: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:pd-AbCdEf`,
      pgErasureSecretArn: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:pge-AbCdEf`,
      erasureMaskKeySecretArn: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:mk-AbCdEf`,
      approvalMaxRows: '5000',
      pgBackupRetentionDays: '0',
      snowflakeProxyHost: 'proxy.internal',
      snowflakeProxyPort: '3128',
      maxReceiveCount: '7',
    },
  ],
  // The demo's map deletes Snowflake rows: the erase function's user and role come with it.
  ['data map with Snowflake tables, read-only user', DEMO_MAP, DEMO_CONTEXT],
  [
    'data map with Snowflake tables, mirrors searched, through a proxy',
    DEMO_MAP,
    {
      ...DEMO_CONTEXT,
      searchMirrors: 'true',
      snowflakeProxyHost: 'proxy.internal',
      snowflakeProxyPort: 3128,
    },
  ],
  [
    'data map erasing rows in both systems, erasure user, mirrors searched',
    ERASURE_DATA_MAP,
    {
      ...SNOWFLAKE_READER_CONTEXT,
      ...SNOWFLAKE_ERASURE_CONTEXT,
      searchMirrors: 'true',
      snowflakeErasureSecretArn: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:sfe-AbCdEf`,
      pgBackupRetentionDays: 35,
    },
  ],
  [
    'PostgreSQL-only data map, mirrors searched',
    SAMPLE_MAP,
    { ...SNOWFLAKE_READER_CONTEXT, searchMirrors: 'true' },
  ],
];

/** A reference as one marker string: the same whether read from the template or built from the stack. */
const marker = (type: string, logicalId: string, attribute: string | undefined) =>
  `<${type} ${logicalId} ${attribute ?? 'Ref'}>`;

/**
 * The references of the stack's resources as markers, built from each resource's logical ID (an
 * imported secret is its literal ARN), independently of how the stack wires them.
 */
function markedReferences(stack: DsrBridgeStack): ResourceReferences {
  const queue = (q: PipelineQueue): QueueReference => ({
    url: marker('AWS::SQS::Queue', logicalId(stack, q.queue), undefined),
    arn: marker('AWS::SQS::Queue', logicalId(stack, q.queue), 'Arn'),
    deadLetterUrl: marker('AWS::SQS::Queue', logicalId(stack, q.deadLetterQueue), undefined),
    deadLetterArn: marker('AWS::SQS::Queue', logicalId(stack, q.deadLetterQueue), 'Arn'),
  });
  const secrets = Object.fromEntries(
    Object.entries(stack.bridge.secrets).map(([name, secret]) => [
      name,
      secret.node.defaultChild
        ? marker('AWS::SecretsManager::Secret', logicalId(stack, secret), undefined)
        : (stack.resolve(secret.secretArn) as string),
    ]),
  ) as ResourceReferences['secrets'];
  return {
    queues: {
      high: queue(stack.bridge.queues.high),
      standard: queue(stack.bridge.queues.standard),
      gate: queue(stack.bridge.queues.gate),
      load: queue(stack.bridge.queues.load),
      erase: queue(stack.bridge.queues.erase),
    },
    payloadBucket: marker('AWS::S3::Bucket', logicalId(stack, stack.bridge.payloads.bucket), undefined),
    payloadKeyArn: marker('AWS::KMS::Key', logicalId(stack, stack.bridge.key), 'Arn'),
    anchorBucket: marker('AWS::S3::Bucket', logicalId(stack, stack.bridge.anchors.bucket), undefined),
    completionTopicArn: marker(
      'AWS::SNS::Topic',
      logicalId(stack, stack.bridge.completions.topic),
      undefined,
    ),
    secrets,
  };
}

describe('Description: the template holds exactly the environments functions/functionEnvironments.ts describes', {
  timeout: 120_000,
}, () => {
  for (const [label, dataMapFile, context] of VARIANTS) {
    it(`gives every function the described environment and nothing else: ${label}`, () => {
      const { app, stack } = synthesize({ dataMapFile }, context);
      const template = synthesizedTemplate(app, stack);
      const synthesised = Object.fromEntries(
        Object.entries(templateEnvironments(stack, template)).map(([name, vars]) => [
          name,
          resolveEnvironment(vars, template, (ref) => marker(ref.type, ref.logicalId, ref.attribute)),
        ]),
      );
      // The settings come from the context alone, not from the stack under test.
      const settings = resolveBridgeSettings({
        ...stackPropsFromContext({ ...SNOWFLAKE_CONTEXT, ...context } as never),
        dataMapFile,
      });
      const described = functionEnvironments(settings.environment, markedReferences(stack));
      expect(Object.keys(synthesised).sort()).toEqual(Object.keys(described).sort());
      // The only addition: source maps for the bundle's stack traces (StageFunction).
      for (const [name, env] of Object.entries(described))
        expect(synthesised[name], name).toEqual({ ...env, NODE_OPTIONS: '--enable-source-maps' });
    });
  }

  it('tells the stages apart: each stage is pointed at its own queues', () => {
    const { stack } = synthesize({ dataMapFile: DEMO_MAP }, DEMO_CONTEXT);
    const refs = markedReferences(stack);
    const settings = resolveBridgeSettings({
      ...stackPropsFromContext({ ...SNOWFLAKE_CONTEXT, ...DEMO_CONTEXT }),
      dataMapFile: DEMO_MAP,
    });
    const described = functionEnvironments(settings.environment, refs);
    expect(described.gate.DEAD_LETTER_QUEUE_URL).toBe(refs.queues.gate.deadLetterUrl);
    expect(described.extractStandard.HIGH_QUEUE_URL).toBe(refs.queues.high.url);
    expect(described.extractHigh.HIGH_QUEUE_URL).toBeUndefined();
    expect(described.erase.CONTINUE_QUEUE_URL).toBe(refs.queues.erase.url);
    expect(JSON.parse(described.deadLetterRecorder.DEAD_LETTER_SOURCES ?? '')).toHaveLength(5);
    expect(described.redrive.DEAD_LETTER_QUEUE_ARNS?.split(',')).toHaveLength(5);
  });
});

// The first synthesis in a process loads aws-cdk-lib, which takes a while on a busy machine.
describe('Contract: every function starts with the environment the stack gives it', {
  timeout: 120_000,
}, () => {
  for (const [label, dataMapFile, context] of VARIANTS) {
    it(`parses each function's synthesised environment with its own schema: ${label}`, () => {
      const environments = deployedEnvironments(dataMapFile, context);
      expect(Object.keys(environments).sort()).toEqual(Object.keys(functionConfigs).sort());
      for (const [name, env] of Object.entries(environments) as [FunctionName, Record<string, string>][]) {
        const contract = functionConfigs[name];
        expect(() => contract.parse(env, bundledMap(dataMapFile)), name).not.toThrow();
        // Nothing the function is given goes unread.
        const unread = Object.keys(env).filter(
          (k) => !contract.variables.has(k) && !RUNTIME_VARIABLES.has(k),
        );
        expect(unread, name).toEqual([]);
      }
    });
  }

  it('gives the extractors of a data map with Snowflake tables the read-only user, role and proxy', () => {
    const environments = deployedEnvironments(DEMO_MAP, {
      ...DEMO_CONTEXT,
      snowflakeProxyHost: 'proxy.internal',
      snowflakeProxyPort: '3128',
    });
    for (const name of ['extractHigh', 'extractStandard'] as const) {
      const parsed = functionConfigs[name].parse(environments[name], bundledMap(DEMO_MAP)) as {
        snowflake?: { env: Record<string, unknown> };
      };
      expect(parsed.snowflake?.env).toMatchObject({
        SNOWFLAKE_USER: 'DSR_READER',
        SNOWFLAKE_ROLE: 'DSR_READER',
        SNOWFLAKE_PROXY_HOST: 'proxy.internal',
        SNOWFLAKE_PROXY_PORT: 3128,
        SNOWFLAKE_PRIVATE_KEY_SECRET_ID: expect.stringContaining('SnowflakeReaderSecret'),
      });
    }
    expect(environments.gate).toMatchObject({ SNOWFLAKE_USER: 'DSR_LOADER', SNOWFLAKE_PROXY_PORT: '3128' });
  });

  it("gives the erase function two Snowflake sessions: the loader's for its evidence, the erasure user's for the rows", () => {
    const environments = deployedEnvironments(ERASURE_DATA_MAP, {
      ...SNOWFLAKE_READER_CONTEXT,
      ...SNOWFLAKE_ERASURE_CONTEXT,
      snowflakeProxyHost: 'proxy.internal',
      snowflakeProxyPort: '3128',
      approvalMaxRows: '250',
      pgBackupRetentionDays: '35',
      proofScanTextRows: '5000',
    });
    const parsed = functionConfigs.erase.parse(environments.erase, bundledMap(ERASURE_DATA_MAP)) as {
      env: Record<string, unknown>;
      snowflake: { env: Record<string, unknown> };
      snowflakeErasure?: { env: Record<string, unknown> };
    };
    expect(parsed.env).toMatchObject({
      DSR_STAGE: 'erase',
      DSR_APPROVAL_MAX_ROWS: 250,
      DSR_PG_BACKUP_RETENTION_DAYS: 35,
      DSR_PROOF_SCAN_TEXT_ROWS: 5000,
      DSR_ERASURE_PG_SECRET_ARN: expect.stringContaining('PostgresErasureSecret'),
      DSR_ERASURE_MASK_KEY_SECRET_ARN: expect.stringContaining('ErasureMaskKeySecret'),
      CONTINUE_QUEUE_URL: expect.stringContaining('EraseStageQueue'),
      DEAD_LETTER_QUEUE_URL: expect.stringContaining('EraseStageDeadLetter'),
    });
    expect(parsed.snowflake.env).toMatchObject({
      SNOWFLAKE_USER: 'DSR_LOADER',
      SNOWFLAKE_PRIVATE_KEY_SECRET_ID: expect.stringContaining(':secret:SnowflakeSecret'),
    });
    expect(parsed.snowflakeErasure?.env).toMatchObject({
      SNOWFLAKE_USER: 'DSR_ERASER',
      SNOWFLAKE_ROLE: 'DSR_ERASURE',
      SNOWFLAKE_PROXY_HOST: 'proxy.internal',
      SNOWFLAKE_PRIVATE_KEY_SECRET_ID: expect.stringContaining('SnowflakeErasureSecret'),
    });
    // A map that erases only PostgreSQL rows gives the erase function no erasure user at all.
    const pgOnly = deployedEnvironments(SAMPLE_MAP, {});
    expect(Object.keys(pgOnly.erase).filter((k) => k.startsWith('SNOWFLAKE_ERASURE_'))).toEqual([]);
    expect(
      (functionConfigs.erase.parse(pgOnly.erase, bundledMap(SAMPLE_MAP)) as { snowflakeErasure?: unknown })
        .snowflakeErasure,
    ).toBeUndefined();
  });

  it('gives the extractors of a PostgreSQL-only data map no Snowflake settings at all', () => {
    const environments = deployedEnvironments(SAMPLE_MAP, SNOWFLAKE_READER_CONTEXT);
    for (const name of ['extractHigh', 'extractStandard'] as const)
      expect(Object.keys(environments[name]).filter((k) => k.startsWith('SNOWFLAKE_'))).toEqual([]);
  });

  it('fails the parse, naming the variable and what it is for, when the stack leaves one out', () => {
    const environments = deployedEnvironments(DEMO_MAP, DEMO_CONTEXT);
    const without = (name: FunctionName, variable: string) => {
      const { [variable]: _, ...rest } = environments[name];
      try {
        functionConfigs[name].parse(rest, bundledMap(DEMO_MAP));
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const cases: [FunctionName, string, RegExp][] = [
      ['gate', 'NEXT_QUEUE_URL', /NEXT_QUEUE_URL.*the load queue/],
      ['gate', 'PAGERDUTY_ROUTING_KEY_SECRET_ARN', /PAGERDUTY_ROUTING_KEY.*PagerDuty routing key/],
      ['load', 'SNOWFLAKE_ACCOUNT', /SNOWFLAKE_ACCOUNT.*DSR_FINDINGS/],
      ['load', 'DEAD_LETTER_QUEUE_URL', /DEAD_LETTER_QUEUE_URL.*dead-letter queue/],
      ['extractHigh', 'SNOWFLAKE_ACCOUNT', /SNOWFLAKE_ACCOUNT.*1 Snowflake table/],
      ['extractHigh', 'PG_SECRET_ARN', /PG_SECRET_ARN.*PostgreSQL credentials/],
      ['extractStandard', 'HIGH_QUEUE_URL', /HIGH_QUEUE_URL.*promoted/],
      ['extractStandard', 'DSR_SUBJECT_HASH_KEY_SECRET_ARN', /DSR_SUBJECT_HASH_KEY.*subject hash/],
      ['redrive', 'DEAD_LETTER_QUEUE_ARNS', /DEAD_LETTER_QUEUE_ARNS.*dead-letter queues/],
      ['scan', 'PG_SECRET_ARN', /PG_SECRET_ARN/],
      ['gate', 'ERASE_QUEUE_URL', /ERASE_QUEUE_URL.*the erase queue, where erasure requests go/],
      ['erase', 'DSR_ERASURE_PG_SECRET_ARN', /DSR_ERASURE_PG_SECRET_ARN.*erasure role/],
      ['erase', 'DSR_ERASURE_MASK_KEY_SECRET_ARN', /DSR_ERASURE_MASK_KEY.*keyed-hash masks/],
      ['erase', 'CONTINUE_QUEUE_URL', /CONTINUE_QUEUE_URL.*the erase queue/],
      ['erase', 'PAGERDUTY_ROUTING_KEY_SECRET_ARN', /PAGERDUTY_ROUTING_KEY.*unverified erasure/],
    ];
    for (const [name, variable, message] of cases) {
      const error = without(name, variable);
      expect(error, `${name} without ${variable}`).toBeInstanceOf(ConfigError);
      expect(String((error as Error).message), `${name} without ${variable}`).toMatch(message);
    }
  });

  it('refuses a synth without Snowflake settings, naming the context to give', () => {
    expect(() => synthesize({}, {}, { withoutSnowflake: true })).toThrow(
      /gate and the loader need Snowflake: give the context values snowflakeAccount, snowflakeUser, snowflakeWarehouse, snowflakeDatabase and snowflakeSchema/,
    );
  });

  it('refuses a synth whose data map sends the extractors to Snowflake without a read-only user', () => {
    expect(() => synthesize({ dataMapFile: DEMO_MAP }, SNOWFLAKE_ERASURE_CONTEXT)).toThrow(
      /extractors search Snowflake \(the data map has 1 Snowflake table\(s\).*snowflakeReaderUser and snowflakeReaderRole/,
    );
    expect(() => synthesize({ searchMirrors: true })).toThrow(/DSR_SEARCH_MIRRORS.*snowflakeReaderUser/);
  });

  it('fails the erase function without its erasure user when the data map erases Snowflake rows', () => {
    const environments = deployedEnvironments(ERASURE_DATA_MAP, {
      ...SNOWFLAKE_READER_CONTEXT,
      ...SNOWFLAKE_ERASURE_CONTEXT,
    });
    const { SNOWFLAKE_ERASURE_USER: _, ...rest } = environments.erase;
    expect(() => functionConfigs.erase.parse(rest, bundledMap(ERASURE_DATA_MAP))).toThrow(
      /SNOWFLAKE_ERASURE_USER.*deletes or masks Snowflake rows/,
    );
  });

  it('gives the erase function the read-only user when the data map sends it to Snowflake but erases none of it', () => {
    // Prepare: mirrors searched, no Snowflake table erased (the sample map) against a map that erases some.
    const searching = deployedEnvironments(SAMPLE_MAP, {
      ...SNOWFLAKE_READER_CONTEXT,
      searchMirrors: 'true',
    });
    const erasing = deployedEnvironments(ERASURE_DATA_MAP, {
      ...SNOWFLAKE_READER_CONTEXT,
      ...SNOWFLAKE_ERASURE_CONTEXT,
    });

    // Assess: the reader's user, role and key for the first; the erasure user alone for the second.
    expect(searching.erase.SNOWFLAKE_READER_USER).toBe(searching.extractHigh.SNOWFLAKE_USER);
    expect(searching.erase.SNOWFLAKE_READER_ROLE).toBe(searching.extractHigh.SNOWFLAKE_ROLE);
    expect(searching.erase.SNOWFLAKE_READER_PRIVATE_KEY_SECRET_ID).toBe(
      searching.extractHigh.SNOWFLAKE_PRIVATE_KEY_SECRET_ID,
    );
    const config = functionConfigs.erase.parse(searching.erase, bundledMap(SAMPLE_MAP)) as {
      snowflakeReader?: { connection: { user: string } };
    };
    expect(config.snowflakeReader?.connection.user).toBe(searching.extractHigh.SNOWFLAKE_USER);
    expect(Object.keys(erasing.erase).filter((k) => k.startsWith('SNOWFLAKE_READER_'))).toEqual([]);
    // Without it, the function refuses to start, naming the variable and why.
    const { SNOWFLAKE_READER_USER: _, ...rest } = searching.erase;
    expect(() => functionConfigs.erase.parse(rest, bundledMap(SAMPLE_MAP))).toThrow(
      /SNOWFLAKE_READER_USER.*searches them as the read-only user/,
    );
  });

  it('refuses half-given proxy and reader context', () => {
    expect(() => synthesize({}, { snowflakeProxyHost: 'proxy.internal' })).toThrow(
      /snowflakeProxyHost and snowflakeProxyPort go together/,
    );
    expect(() => synthesize({}, { snowflakeReaderUser: 'DSR_READER' })).toThrow(
      /snowflakeReaderUser and snowflakeReaderRole go together/,
    );
  });
});
