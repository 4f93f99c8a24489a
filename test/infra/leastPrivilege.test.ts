import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DsrBridgeStack } from '../../infra/DsrBridgeStack';
import { permissionInventory } from './permissionInventory';
import {
  ERASURE_DATA_MAP,
  logicalId,
  SNOWFLAKE_ERASURE_CONTEXT,
  SNOWFLAKE_READER_CONTEXT,
  synthesize,
} from './synthesize';

const DEMO_DATA_MAP = join(import.meta.dirname, '../../local/demo/datamap.yaml');

const grant = (actions: string[], resources: string[]) =>
  actions.flatMap((a) => resources.map((r) => `Allow ${a} on ${r}`));
const kms = (extra: string[] = []) =>
  grant(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', ...extra], ['Key']);
const logs = (fn: string) => grant(['logs:CreateLogStream', 'logs:PutLogEvents'], [`${fn}Logs`]);
const consume = (queue: string) =>
  grant(
    [
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ],
    [queue],
  );
const send = (...queues: string[]) =>
  grant(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], queues);
/** Put under the payload bucket's named prefixes only (`claim-check/*`, `packages/*`…), never on the whole bucket. */
const putPayloads = (...prefixes: string[]) =>
  grant(
    [
      's3:Abort*',
      's3:PutObject',
      's3:PutObjectLegalHold',
      's3:PutObjectRetention',
      's3:PutObjectTagging',
      's3:PutObjectVersionTagging',
    ],
    prefixes.map((p) => `FailedPayloadsBucket/${p}/*`),
  );
const readPayloads = grant(
  ['s3:GetBucket*', 's3:GetObject*', 's3:List*'],
  ['FailedPayloadsBucket', 'FailedPayloadsBucket/*'],
);
const readSecrets = (...secrets: string[]) =>
  grant(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], secrets);
const deadLetters = [
  'HighIntakeDeadLetter',
  'StandardIntakeDeadLetter',
  'GateStageDeadLetter',
  'LoadStageDeadLetter',
  'EraseStageDeadLetter',
];
const sources = [
  'HighIntakeQueue',
  'StandardIntakeQueue',
  'GateStageQueue',
  'LoadStageQueue',
  'EraseStageQueue',
];
const deletePayloads = grant(['s3:DeleteObject'], ['FailedPayloadsBucket/*']);
/** The functions that write terminal states, and the deadline check's sweep, publish completion events to the one topic. */
const publishCompletions = grant(['sns:Publish'], ['CompletionTopic']);

/** The whole of what each function may do. Anything beyond this fails the test. */
const EXPECTED: Record<keyof DsrBridgeStack['bridge']['functions'], string[]> = {
  extractHigh: [
    ...kms(['kms:DescribeKey']),
    ...logs('ExtractHigh'),
    ...consume('HighIntakeQueue'),
    ...send('GateStageQueue', 'HighIntakeDeadLetter'),
    // Claim-checked findings, the erasure case, a dead-lettered body.
    ...putPayloads('claim-check', 'erasure', 'dead-letter'),
    ...readPayloads,
    ...readSecrets('PostgresSecret', 'SubjectHashKeySecret'),
  ],
  extractStandard: [
    ...kms(['kms:DescribeKey']),
    ...logs('ExtractStandard'),
    ...consume('StandardIntakeQueue'),
    ...send('GateStageQueue', 'HighIntakeQueue', 'StandardIntakeDeadLetter'),
    ...putPayloads('claim-check', 'erasure', 'dead-letter'),
    ...readPayloads,
    ...readSecrets('PostgresSecret', 'SubjectHashKeySecret'),
  ],
  gate: [
    ...kms(['kms:DescribeKey']),
    ...logs('Gate'),
    ...consume('GateStageQueue'),
    ...send('LoadStageQueue', 'EraseStageQueue', 'GateStageDeadLetter'),
    ...putPayloads('quarantine', 'dead-letter'),
    ...readPayloads,
    ...publishCompletions,
    ...readSecrets('PostgresSecret', 'SnowflakeSecret', 'PagerDutyRoutingKeySecret'),
  ],
  load: [
    ...kms(['kms:DescribeKey']),
    ...logs('Load'),
    ...consume('LoadStageQueue'),
    ...send('LoadStageQueue', 'LoadStageDeadLetter'),
    // The subject's package (`packages/<request id>/`): only the load and erase functions write one.
    ...putPayloads('quarantine', 'dead-letter', 'packages'),
    ...readPayloads,
    ...publishCompletions,
    ...readSecrets('SnowflakeSecret', 'PagerDutyRoutingKeySecret'),
  ],
  // The only function that may change the source databases, read the mask key, or delete objects.
  erase: [
    ...kms(['kms:DescribeKey']),
    ...logs('Erase'),
    ...consume('EraseStageQueue'),
    ...send('EraseStageQueue', 'EraseStageDeadLetter'),
    // Plans made again, and the erasure confirmation's package.
    ...putPayloads('erasure', 'quarantine', 'dead-letter', 'packages'),
    ...readPayloads,
    ...deletePayloads,
    ...publishCompletions,
    ...readSecrets(
      'PostgresSecret',
      'PostgresErasureSecret',
      'ErasureMaskKeySecret',
      'SubjectHashKeySecret',
      'SnowflakeSecret',
      'PagerDutyRoutingKeySecret',
    ),
  ],
  redrive: [
    ...kms(),
    ...logs('Redrive'),
    ...grant(
      [
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ListDeadLetterSourceQueues',
        'sqs:ListMessageMoveTasks',
        'sqs:ReceiveMessage',
        'sqs:StartMessageMoveTask',
      ],
      deadLetters,
    ),
    ...send(...sources),
  ],
  deadLetterRecorder: [
    ...kms(),
    ...logs('DeadLetterRecorder'),
    ...deadLetters.flatMap((q) => [...consume(q), ...send(q)]),
    ...putPayloads('dead-letter'),
    ...publishCompletions,
    ...readSecrets('SnowflakeSecret', 'SubjectHashKeySecret', 'PagerDutyRoutingKeySecret'),
  ],
  // Its two secrets decrypt through the key policy (kms:ViaService Secrets Manager), so the role
  // itself holds no KMS action.
  scan: [...logs('Scan'), ...readSecrets('PostgresSecret', 'SnowflakeSecret')],
  // Writes and reads anchors; cannot delete one or change its retention (nor could anyone: compliance mode).
  // Publishes the completion events its hourly sweep finds never published.
  deadlineCheck: [
    ...kms(),
    ...logs('DeadlineCheck'),
    ...publishCompletions,
    ...grant(['s3:GetObject', 's3:PutObject'], ['LedgerAnchorsBucket/anchors/*']),
    ...grant(['s3:ListBucket'], ['LedgerAnchorsBucket']),
    ...readSecrets('SnowflakeSecret', 'PagerDutyRoutingKeySecret'),
  ],
};

let stack: DsrBridgeStack;
let template: Template;
let inventory: (fn: keyof DsrBridgeStack['bridge']['functions']) => string[];

beforeAll(() => {
  const built = synthesize({ pagerDutyUrl: 'https://events.pagerduty.com/integration/abc123/enqueue' });
  stack = built.stack;
  template = built.template();
  inventory = (fn) => permissionInventory(template, logicalId(stack, stack.bridge.functions[fn].role));
});

describe('Least privilege over the synthesised template', () => {
  for (const fn of Object.keys(EXPECTED) as (keyof DsrBridgeStack['bridge']['functions'])[]) {
    it(`${fn} holds exactly the permissions it needs, on named resources only`, () => {
      const held = inventory(fn);
      expect(held.filter((line) => / on \*$/.test(line))).toEqual([]);
      expect(held).toEqual([...new Set(EXPECTED[fn])].sort());
    });
  }

  it('lets only the load and erase functions put packages, and no function put anywhere in the payload bucket', () => {
    // The statements under which `fn` may put this key: action and resource read as IAM wildcards.
    const glob = (pattern: string) =>
      new RegExp(
        `^${pattern
          .split('*')
          .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      );
    const mayPut = (fn: keyof DsrBridgeStack['bridge']['functions'], key: string) =>
      inventory(fn).filter((line) => {
        const [action = '', resource = ''] = line.replace(/^Allow /, '').split(' on ');
        return glob(action).test('s3:PutObject') && glob(resource).test(`FailedPayloadsBucket/${key}`);
      });
    const packageFile = 'packages/REQ-1/index.html';
    for (const fn of Object.keys(stack.bridge.functions) as (keyof DsrBridgeStack['bridge']['functions'])[]) {
      // A key under no prefix any function writes: only a whole-bucket grant would allow it.
      expect(mayPut(fn, 'elsewhere/REQ-1.json'), `${fn} may put anywhere in the bucket`).toEqual([]);
      if (fn === 'load' || fn === 'erase') continue;
      expect(mayPut(fn, packageFile), `${fn} may put packages`).toEqual([]);
    }
    for (const fn of ['load', 'erase'] as const)
      expect(mayPut(fn, packageFile), fn).toEqual(['Allow s3:PutObject on FailedPayloadsBucket/packages/*']);
  });

  it('keeps the extractors of a PostgreSQL-only data map away from Snowflake, and the loader away from PostgreSQL', () => {
    for (const fn of ['extractHigh', 'extractStandard'] as const)
      expect(inventory(fn).join('\n')).not.toMatch(/Snowflake|PagerDuty/);
    expect(inventory('load').join('\n')).not.toMatch(/PostgresSecret/);
  });

  it("gives the extractors of a data map with Snowflake tables the read-only user's secret, never the loader's", () => {
    const built = synthesize(
      { dataMapFile: DEMO_DATA_MAP },
      { ...SNOWFLAKE_READER_CONTEXT, ...SNOWFLAKE_ERASURE_CONTEXT },
    );
    const t = built.template();
    for (const fn of ['extractHigh', 'extractStandard'] as const) {
      const held = permissionInventory(t, logicalId(built.stack, built.stack.bridge.functions[fn].role));
      expect(held).toEqual(
        expect.arrayContaining(
          readSecrets('SnowflakeReaderSecret', 'PostgresSecret', 'SubjectHashKeySecret'),
        ),
      );
      expect(held.join('\n')).not.toMatch(/SnowflakeSecret|PagerDuty/);
    }
    // Nobody else holds the reader's key.
    for (const fn of ['gate', 'load', 'redrive', 'scan'] as const)
      expect(
        permissionInventory(t, logicalId(built.stack, built.stack.bridge.functions[fn].role)).join('\n'),
      ).not.toMatch(/SnowflakeReaderSecret/);
  });

  it('lets only the erase function write the source databases, read the mask key or delete an object', () => {
    // A map that erases in both systems, with every other optional secret created by the stack.
    const built = synthesize(
      { dataMapFile: ERASURE_DATA_MAP },
      { ...SNOWFLAKE_READER_CONTEXT, ...SNOWFLAKE_ERASURE_CONTEXT },
    );
    const t = built.template();
    const held = (fn: keyof DsrBridgeStack['bridge']['functions']) =>
      permissionInventory(t, logicalId(built.stack, built.stack.bridge.functions[fn].role));
    const erasing = /PostgresErasureSecret|ErasureMaskKeySecret|SnowflakeErasureSecret|s3:Delete/;
    for (const fn of Object.keys(
      built.stack.bridge.functions,
    ) as (keyof DsrBridgeStack['bridge']['functions'])[]) {
      if (fn === 'erase') continue;
      expect(
        held(fn).filter((line) => erasing.test(line)),
        fn,
      ).toEqual([]);
    }
    expect(held('erase')).toEqual(
      expect.arrayContaining([
        ...readSecrets('PostgresErasureSecret', 'ErasureMaskKeySecret', 'SnowflakeErasureSecret'),
        ...deletePayloads,
      ]),
    );
    // The erase function searches nothing as the read-only user: it holds the loader's key for its
    // evidence and the erasure user's for the rows, not the reader's.
    expect(held('erase').join('\n')).not.toMatch(/SnowflakeReaderSecret/);
    // Deleting is one action on the bucket's objects, not the DeleteObject* family (versions, tags).
    expect(held('erase').filter((line) => line.includes('s3:Delete'))).toEqual(deletePayloads);
  });

  it('creates no Snowflake erasure secret for a data map that erases only PostgreSQL rows', () => {
    expect(stack.bridge.secrets.snowflakeErasure).toBeUndefined();
    expect(inventory('erase').join('\n')).not.toMatch(/SnowflakeErasureSecret/);
  });

  it("derives every function's secret and queue grants from its environment", () => {
    for (const [dataMapFile, context] of [
      [DEMO_DATA_MAP, { ...SNOWFLAKE_READER_CONTEXT, ...SNOWFLAKE_ERASURE_CONTEXT }],
      [ERASURE_DATA_MAP, { ...SNOWFLAKE_READER_CONTEXT, ...SNOWFLAKE_ERASURE_CONTEXT }],
    ] as const)
      expectGrantsFromEnvironment(synthesize({ dataMapFile }, context));
  });

  function expectGrantsFromEnvironment(built: ReturnType<typeof synthesize>): void {
    const t = built.template();
    const functions = t.findResources('AWS::Lambda::Function');
    for (const [name, fn] of Object.entries(built.stack.bridge.functions)) {
      if (name === 'redrive') continue; // its queues travel as one list of ARNs: asserted above
      const variables = (
        functions[logicalId(built.stack, fn.function)] as {
          Properties: { Environment: { Variables: Record<string, unknown> } };
        }
      ).Properties.Environment.Variables;
      const named = new Set(
        // Every reference a variable holds (the dead-letter recorder's sources are one JSON list).
        Object.values(variables).flatMap((v) =>
          [...JSON.stringify(v).matchAll(/"Ref":"([A-Za-z0-9]+?)[0-9A-F]{8}"/g)].map((m) => m[1] as string),
        ),
      );
      const held = permissionInventory(t, logicalId(built.stack, fn.role));
      const readable = new Set(
        held
          .filter((l) => l.startsWith('Allow secretsmanager:GetSecretValue on '))
          .map((l) => l.split(' on ')[1]),
      );
      const sendable = new Set(
        held.filter((l) => l.startsWith('Allow sqs:SendMessage on ')).map((l) => l.split(' on ')[1]),
      );
      expect([...readable].sort(), name).toEqual([...named].filter((id) => /Secret$/.test(id)).sort());
      expect([...sendable].sort(), name).toEqual(
        [...named].filter((id) => /(Queue|DeadLetter)$/.test(id)).sort(),
      );
    }
  }

  it('lets the scan decrypt with the key only through Secrets Manager', () => {
    const role = { 'Fn::GetAtt': [logicalId(stack, stack.bridge.functions.scan.role), 'Arn'] };
    const key = template.findResources('AWS::KMS::Key')[logicalId(stack, stack.bridge.key)] as {
      Properties: {
        KeyPolicy: { Statement: { Principal?: { AWS?: unknown }; Action: unknown; Condition?: unknown }[] };
      };
    };
    // The key policy names each principal alone or, with @aws-cdk/aws-iam:minimizePolicies, among
    // others that are granted the same action under the same condition.
    const forScan = key.Properties.KeyPolicy.Statement.filter((s) =>
      [s.Principal?.AWS].flat().some((p) => JSON.stringify(p) === JSON.stringify(role)),
    );
    expect(forScan).toHaveLength(1);
    expect(forScan[0]?.Action).toBe('kms:Decrypt');
    expect(JSON.stringify(forScan[0]?.Condition)).toContain('secretsmanager.');
  });

  it('lets the scan schedule invoke the scan function and nothing else', () => {
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule')).find((r) =>
      JSON.stringify(r).includes(logicalId(stack, stack.bridge.functions.scan.function)),
    ) as { Properties: { Target: { RoleArn: { 'Fn::GetAtt': [string, string] } } } } | undefined;
    const roleId = schedule?.Properties.Target.RoleArn['Fn::GetAtt'][0] ?? '';
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
    ) as { Properties: { PolicyDocument: { Statement: unknown[] } } }[];
    const arn = { 'Fn::GetAtt': [logicalId(stack, stack.bridge.functions.scan.function), 'Arn'] };
    // The function and its versions and aliases (`:*`), as EventBridge Scheduler grants it.
    expect(policies.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: [arn, { 'Fn::Join': ['', [arn, ':*']] }],
      },
    ]);
  });
});
