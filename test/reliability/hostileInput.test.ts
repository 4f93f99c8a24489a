import { readFileSync } from 'node:fs';
import { type Message, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LocalAws, startLocalAws } from '../../local/aws/startLocalAws';
import { MalformedRequestError } from '../../shared/intake/MalformedRequestError';
import { parseIntakeMessage } from '../../shared/intake/parseIntakeMessage';
import { readDeadLetterEnvelope } from '../../shared/pipeline/DeadLetterEnvelope';
import {
  hashOf,
  intakeBody,
  type PipelineHarness,
  startPipelineHarness,
} from '../integration/pipeline/support/pipelineHarness';

/** The identity kinds the pipeline harness's extract stage is configured with. */
const IDENTITY_KINDS = ['email', 'user_id', 'phone'];

interface CorpusCase {
  readonly name: string;
  /** The raw body; `{{generated}}` is replaced by the expansion of `generate`. */
  readonly body: string;
  readonly generate?: { readonly unit: string; readonly separator: string; readonly count: number };
  /** Identifier values to hunt for that cannot be read from the body's subject. */
  readonly secrets?: readonly string[];
  readonly expect:
    | { readonly state: 'loaded' }
    | { readonly state: 'dead_lettered'; readonly reason: string; readonly code: string };
}

const corpus = JSON.parse(readFileSync(new URL('./corpus/intake.json', import.meta.url), 'utf8')) as {
  cases: CorpusCase[];
};

function bodyOf(c: CorpusCase): string {
  if (!c.generate) return c.body;
  const { unit, separator, count } = c.generate;
  return c.body.replace('{{generated}}', Array.from({ length: count }, () => unit).join(separator));
}

/**
 * Every identifier value of a case: its explicit secrets and the string values of its subject
 * when the body parses as JSON, each with its lower-cased and digits-only forms (when at least
 * three characters long) and the escaped form a JSON log line would hold.
 */
function secretsOf(c: CorpusCase, body: string): string[] {
  const values = new Set<string>(c.secrets ?? []);
  try {
    const subject = (JSON.parse(body) as { subject?: unknown }).subject;
    if (subject && typeof subject === 'object') {
      for (const value of Object.values(subject).flat()) if (typeof value === 'string') values.add(value);
    }
  } catch {
    // Not JSON: the explicit secrets stand.
  }
  const forms = new Set<string>();
  for (const value of values) {
    for (const form of [value, value.trim(), value.toLowerCase(), value.replace(/[^0-9]/g, '')]) {
      if (form.trim().length < 3) continue;
      forms.add(form);
      forms.add(JSON.stringify(form).slice(1, -1));
    }
  }
  return [...forms];
}

/** The text that contains any of `secrets`, shortened for the failure message, or undefined. */
function leakIn(texts: readonly string[], secrets: readonly string[]): string | undefined {
  for (const text of texts) {
    for (const secret of secrets) {
      if (text.includes(secret)) return `${secret.slice(0, 40)} in ${text.slice(0, 200)}`;
    }
  }
  return undefined;
}

const cases = corpus.cases.map((c) => ({ ...c, raw: bodyOf(c) }));
type RefusedCase = (typeof cases)[number] & {
  expect: { state: 'dead_lettered'; reason: string; code: string };
};
const refusedCases = cases.filter((c): c is RefusedCase => c.expect.state === 'dead_lettered');
const loadedCases = cases.filter((c) => c.expect.state === 'loaded');

describe('Hostile intake corpus', () => {
  it('keeps every kind of hostile input the reliability issue names', () => {
    const reasons = new Set([
      ...refusedCases.map((c) => c.expect.reason),
      ...loadedCases.map(() => 'loaded'),
    ]);
    for (const reason of [
      'not_json',
      'bad_shape',
      'unknown_version',
      'oversized',
      'unknown_identity_kind',
      'bad_date',
      'no_identifier',
      'loaded',
    ]) {
      expect(reasons).toContain(reason);
    }
    const big = refusedCases.find((c) => c.expect.reason === 'oversized');
    expect(Buffer.byteLength(big?.raw ?? '')).toBeGreaterThanOrEqual(1_000_000);
    const email = cases.find((c) => c.name.includes('10,000-character'));
    const subject = JSON.parse(email?.raw ?? '{}').subject as { email: string };
    expect(subject.email).toHaveLength(10_000);
  });
});

describe('Function: leak scan', () => {
  it('finds a value raw, lower-cased, as its digits and JSON-escaped, and ignores forms under 3 characters', () => {
    const c: CorpusCase = {
      name: 'scan',
      body: '{"subject":{"email":"Zoe.Q@Example.com","phone":"+1 (555) 0100","user_id":"a\\u0000b"}}',
      expect: { state: 'loaded' },
    };
    const secrets = secretsOf(c, c.body);
    expect(leakIn(['{"m":"zoe.q@example.com"}'], secrets)).toBeDefined();
    expect(leakIn(['x 15550100 y'], secrets)).toBeDefined();
    expect(leakIn([JSON.stringify({ v: 'a\u0000b' })], secrets)).toBeDefined();
    expect(leakIn(['{"m":"Zoe.Q"}', '1 5 55'], secrets)).toBeUndefined();
  });
});

describe('Function: parseIntakeMessage on the hostile corpus', () => {
  it.each(refusedCases)('refuses $name', (c) => {
    const error = (() => {
      try {
        parseIntakeMessage(c.raw, { identityKinds: IDENTITY_KINDS });
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MalformedRequestError);
    expect(error).toMatchObject({ reason: c.expect.reason, code: c.expect.code, retryable: false });
    // The message names fields and kinds, never a value.
    expect(leakIn([(error as Error).message], secretsOf(c, c.raw))).toBeUndefined();
  });

  it.each(loadedCases)('accepts $name with its values intact', (c) => {
    const request = parseIntakeMessage(c.raw, { identityKinds: IDENTITY_KINDS });
    const sent = (JSON.parse(c.raw) as { subject: Record<string, string | string[]> }).subject;
    const expected = Object.fromEntries(
      Object.entries(sent).map(([kind, value]) => [kind, Array.isArray(value) ? value : [value]]),
    );
    expect(request.subject).toEqual(expected);
  });
});

describe('Pipeline on local SQS and S3: the hostile corpus', () => {
  let h: PipelineHarness;
  /** SQS message id → what was sent. */
  const sentCases = new Map<string, (typeof cases)[number]>();
  const controls: string[] = [];
  let dead: Message[] = [];
  const consoleLines: string[] = [];

  beforeAll(async () => {
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        consoleLines.push(args.map(String).join(' '));
      });
    }
    h = await startPipelineHarness();
    const queue = h.aws.queues.high.url;
    // Each hostile message is sent between two well-formed requests, so every batch mixes them.
    for (const [i, c] of cases.entries()) {
      const control = `rel-control-${i}`;
      controls.push(control);
      await h.aws.sqs.send(
        new SendMessageCommand({
          QueueUrl: queue,
          MessageBody: intakeBody(control, { email: `control.${i}@example.test` }),
        }),
      );
      const sent = await h.aws.sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: c.raw }));
      sentCases.set(sent.MessageId ?? '', c);
    }
    await h.drain(25_000);
    for (;;) {
      const batch = await h.aws.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: h.aws.queues.high.deadLetterUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
          VisibilityTimeout: 60,
        }),
      );
      if (!batch.Messages?.length) break;
      dead = [...dead, ...batch.Messages.filter((m) => !dead.some((d) => d.MessageId === m.MessageId))];
    }
  }, 60_000);

  afterAll(async () => {
    vi.restoreAllMocks();
    await h?.stop();
  });

  /** The dead-letter envelope of the message that carried `c`, if any. */
  const deadLetterOf = (c: CorpusCase) => {
    const messageId = [...sentCases].find(([, sent]) => sent === c)?.[0] ?? '(unsent)';
    const message = dead.find((m) => {
      const envelope = readDeadLetterEnvelope(m.Body ?? '');
      return envelope?.original.key.endsWith(`/${messageId}.json`);
    });
    return message ? { message, envelope: readDeadLetterEnvelope(message.Body ?? '') } : undefined;
  };

  it('loads every well-formed batch-mate of the hostile messages', () => {
    for (const id of controls) expect(h.ledger.states(id).at(-1), id).toBe('loaded');
    expect(h.loaded.filter((d) => d.requestId.startsWith('rel-control-'))).toHaveLength(controls.length);
  });

  it('leaves no message in flight: every queue is empty after the run', async () => {
    for (const name of ['high', 'gate', 'load'] as const) {
      expect(await h.pollers[name].pending(), name).toBe(0);
    }
  });

  it.each(refusedCases)('dead-letters $name with its reason, and loads nothing for it', (c) => {
    const found = deadLetterOf(c);
    expect(found, 'no dead-letter envelope').toBeDefined();
    expect(found?.envelope).toMatchObject({
      kind: 'dsr.deadLetter',
      stage: 'extract-high',
      code: c.expect.code,
      reason: c.expect.reason,
      attempt: 1,
    });
    expect(found?.message.MessageAttributes?.reason?.StringValue).toBe(c.expect.reason);
    const requestId = found?.envelope?.requestId;
    if (requestId) {
      expect(h.ledger.states(requestId).at(-1)).toBe('dead_lettered');
      expect(h.loaded.some((d) => d.requestId === requestId)).toBe(false);
    }
  });

  it.each(loadedCases)('loads $name exactly once', (c) => {
    const requestId = (JSON.parse(c.raw) as { requestId: string }).requestId;
    expect(h.ledger.states(requestId).at(-1)).toBe('loaded');
    const loaded = h.loaded.filter((d) => d.requestId === requestId);
    expect(loaded).toHaveLength(1);
    const subject = parseIntakeMessage(c.raw, { identityKinds: IDENTITY_KINDS }).subject;
    expect(loaded[0]?.subject.hash).toBe(hashOf(subject));
    expect(deadLetterOf(c)).toBeUndefined();
  });

  it.each(cases)('writes no identifier of $name to a log line, metric, page or dead-letter record', (c) => {
    const everything = [
      ...h.logs,
      ...h.metrics,
      ...h.pages.map((p) => JSON.stringify(p)),
      ...consoleLines,
      ...dead.map((m) => `${m.Body} ${JSON.stringify(m.MessageAttributes)}`),
    ];
    expect(h.logs.length).toBeGreaterThan(cases.length);
    const secrets = secretsOf(c, c.raw);
    expect(leakIn(everything, secrets)).toBeUndefined();
  });

  it('dead-letters exactly the cases the corpus says, and nothing else', () => {
    expect(dead).toHaveLength(refusedCases.length);
  });
});

describe('Pipeline on local SQS and S3: a request id reused for another subject', () => {
  // SQS and S3 start once; each test gets its own queues and bucket on them.
  let aws: LocalAws;
  let h: PipelineHarness;
  beforeAll(async () => {
    aws = await startLocalAws();
  });
  afterAll(async () => {
    await aws?.stop();
  });
  beforeEach(async () => {
    h = await startPipelineHarness({ aws });
  });
  afterEach(async () => {
    await h?.stop();
  });

  const FIRST = { email: ['first.holder@example.com'] };
  const SECOND = { email: ['second.holder@example.com'] };

  async function deadLetters(): Promise<Message[]> {
    const result = await h.aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: h.aws.queues.high.deadLetterUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    return result.Messages ?? [];
  }

  it('refuses the second subject after the first was loaded, instead of skipping it as a duplicate', async () => {
    await h.aws.sqs.send(
      new SendMessageCommand({ QueueUrl: h.aws.queues.high.url, MessageBody: intakeBody('rel-dup', FIRST) }),
    );
    await h.drain();
    const before = [...h.ledger.states('rel-dup')];
    expect(before.at(-1)).toBe('loaded');

    await h.aws.sqs.send(
      new SendMessageCommand({ QueueUrl: h.aws.queues.high.url, MessageBody: intakeBody('rel-dup', SECOND) }),
    );
    await h.drain();

    // Nothing about the second subject is loaded under the first one's request, and the ledger stays.
    expect(h.loaded.map((d) => d.subject.hash)).toEqual([hashOf(FIRST)]);
    expect(h.ledger.states('rel-dup')).toEqual(before);
    // The second message is refused where an operator sees it, not acknowledged as a duplicate.
    const dead = await deadLetters();
    expect(dead).toHaveLength(1);
    const envelope = readDeadLetterEnvelope(dead[0]?.Body ?? '');
    expect(envelope).toMatchObject({ requestId: 'rel-dup', subjectHash: hashOf(SECOND) });
    expect(envelope?.reason ?? envelope?.code).toBeTruthy();
  });

  it('never loads two subjects under one request id delivered in the same batch', async () => {
    for (const subject of [FIRST, SECOND]) {
      await h.aws.sqs.send(
        new SendMessageCommand({
          QueueUrl: h.aws.queues.high.url,
          MessageBody: intakeBody('rel-dup2', subject),
        }),
      );
    }
    await h.drain();

    const loaded = h.loaded.filter((d) => d.requestId === 'rel-dup2');
    expect(loaded).toHaveLength(1);
    const states = h.ledger.states('rel-dup2');
    expect(states.filter((s) => s === 'received')).toHaveLength(1);
    expect(states.at(-1)).toBe('loaded');
    // The other subject is refused and dead-lettered.
    const dead = await deadLetters();
    expect(dead).toHaveLength(1);
    const refused = readDeadLetterEnvelope(dead[0]?.Body ?? '');
    expect(refused?.requestId).toBe('rel-dup2');
    expect(refused?.subjectHash).not.toBe(loaded[0]?.subject.hash);
  });
});
