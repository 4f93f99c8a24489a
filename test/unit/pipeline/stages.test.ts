import { describe, expect, it, vi } from 'vitest';
import { buildFindingsDocument, type FindingsDocument } from '../../../shared/discovery/FindingsDocument';
import { findingsSourceOf } from '../../../shared/discovery/FindingsStream';
import { subjectHash } from '../../../shared/identity/subjectHash';
import type { IntakeRequest } from '../../../shared/intake/IntakeRequest';
import { MalformedRequestError } from '../../../shared/intake/MalformedRequestError';
import type { Ledger, LedgerEntry } from '../../../shared/ledger/Ledger';
import type { CompletionEvent } from '../../../shared/pipeline/CompletionEvent';
import { ForwardedLedger } from '../../../shared/pipeline/ForwardedLedger';
import { PublishingLedger } from '../../../shared/pipeline/PublishingLedger';
import { buildStageMessage, type StageMessage } from '../../../shared/pipeline/StageMessage';
import { extractStage } from '../../../shared/pipeline/stages/extractStage';
import { type DriftVerdict, gateStage } from '../../../shared/pipeline/stages/gateStage';
import { loadStage } from '../../../shared/pipeline/stages/loadStage';
import { PostgresError } from '../../../shared/postgres/errors';
import { DependencyBreakers } from '../../../shared/resilience/DependencyBreakers';
import { DependencyUnavailableError } from '../../../shared/resilience/DependencyUnavailableError';
import { SnowflakeError, SnowflakeValueTooLargeError } from '../../../shared/snowflake/errors';
import { InMemoryLedger } from '../../support/InMemoryLedger';
import {
  captureSignals,
  InMemoryPayloadStore,
  InMemoryQueue,
  recordContext,
} from '../../support/inMemoryPorts';

const KEY = 'k'.repeat(32);
const NOW = new Date('2026-03-01T12:00:00.000Z');
const now = () => NOW;
const GATE = 'https://sqs.local/gate';
const HIGH = 'https://sqs.local/high';
const LOAD = 'https://sqs.local/load';
const hashOf = (subject: IntakeRequest['subject']) => subjectHash(KEY, subject);

function intake(requestId: string, email: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: 1,
    requestId,
    type: 'access',
    subject: { email: [email] },
    jurisdiction: 'GDPR',
    receivedAt: '2026-02-27T10:00:00Z',
    ...extra,
  });
}

/** Findings of one request: a users row and two orders, with the subject's hash. */
function findings(requestId: string, email: string): FindingsDocument {
  return buildFindingsDocument({
    requestId,
    subjectHash: hashOf({ email: [email] }),
    tables: [
      {
        system: 'postgres',
        table: 'public.users',
        primaryKey: ['id'],
        rows: [
          {
            key: { id: 7 },
            provenance: [
              { column: 'email', identity: 'email', round: 1, source: 'request', via: 'identity' },
            ],
            row: { email, id: 7 },
          },
        ],
      },
      {
        system: 'postgres',
        table: 'public.orders',
        primaryKey: ['id'],
        rows: [2, 1].map((id) => ({
          key: { id },
          provenance: [{ column: 'user_id', from: 'postgres:public.users.id', round: 2, via: 'follow' }],
          row: { id, total: '10.50', user_id: 7 },
        })),
      },
      { system: 'postgres', table: 'public.events', primaryKey: ['id'], rows: [] },
    ],
  });
}

function extract(
  options: {
    priority?: 'high' | 'standard';
    discover?: () => Promise<FindingsDocument>;
    queue?: InMemoryQueue;
    disposed?: string[];
    breakers?: DependencyBreakers;
  } = {},
) {
  const queue = options.queue ?? new InMemoryQueue();
  const ledger = new ForwardedLedger(queue, GATE);
  const signals = captureSignals();
  const discover = vi.fn(
    options.discover ?? (async (request: IntakeRequest) => findings(request.requestId, 'ana@example.com')),
  );
  const work = extractStage({
    stage: `extract-${options.priority ?? 'high'}`,
    ledger,
    queue,
    payloads: new InMemoryPayloadStore(),
    logger: signals.logger,
    now,
    priority: options.priority ?? 'high',
    nextQueueUrl: GATE,
    highQueueUrl: HIGH,
    identityKinds: ['email'],
    hashSubject: hashOf,
    discover: async (request) => ({
      ...findingsSourceOf(await discover(request)),
      dispose: async () => {
        options.disposed?.push(request.requestId);
      },
    }),
    carriedLedger: (id) => ledger.carried(id),
    ...(options.breakers ? { breakers: options.breakers } : {}),
  });
  return { work, queue, ledger, discover, signals };
}

/** A stage message as the extractor sends it, with the extractor's entries carried along. */
async function handOff(
  requestId: string,
  email: string,
  payloads = new InMemoryPayloadStore(),
): Promise<{ message: StageMessage; carried: LedgerEntry[] }> {
  const document = findings(requestId, email);
  const subject = hashOf({ email: [email] });
  const at = (s: number) => new Date(NOW.getTime() - 60_000 + s * 1000).toISOString();
  const carried: LedgerEntry[] = [
    {
      requestId,
      state: 'received',
      at: at(0),
      stage: 'extract-high',
      traceId: 't',
      detail: { subjectHash: subject },
    },
    { requestId, state: 'discovering', at: at(1), stage: 'extract-high', traceId: 't' },
    { requestId, state: 'discovered', at: at(2), stage: 'extract-high', traceId: 't' },
  ];
  const message = await buildStageMessage(
    {
      requestId,
      type: 'access',
      jurisdiction: 'GDPR',
      deadline: '2026-03-27T10:00:00.000Z',
      subjectHash: subject,
      traceId: 't',
      tablesTouched: ['postgres:public.orders', 'postgres:public.users'],
      carriedLedger: carried,
    },
    findingsSourceOf(document),
    payloads,
  );
  return { message, carried };
}

const compliant: DriftVerdict = { status: 'COMPLIANT', halt: false, findings: [], driftPercent: 0 };

function gate(verdict: DriftVerdict = compliant, ledger = new InMemoryLedger()) {
  const queue = new InMemoryQueue();
  const payloads = new InMemoryPayloadStore();
  const signals = captureSignals();
  const checkDrift = vi.fn(async () => verdict);
  const work = gateStage({
    stage: 'gate',
    ledger,
    queue,
    payloads,
    logger: signals.logger,
    now,
    nextQueueUrl: LOAD,
    checkDrift,
    metrics: signals.metrics,
    pagerDuty: signals.pagerDuty,
  });
  return { work, queue, payloads, ledger, signals, checkDrift };
}

function load(
  ledger: Ledger = new InMemoryLedger(),
  land: (document: FindingsDocument) => Promise<void> = async () => {},
) {
  const payloads = new InMemoryPayloadStore();
  const signals = captureSignals();
  const loaded: FindingsDocument[] = [];
  const work = loadStage({
    stage: 'load',
    ledger,
    queue: new InMemoryQueue(),
    payloads,
    logger: signals.logger,
    now,
    metrics: signals.metrics,
    pagerDuty: signals.pagerDuty,
    continueQueueUrl: 'https://sqs.local/load',
    loadPart: async (findings, { message, evidenceHash }) => {
      // One part for inline findings: the part is the whole document.
      const document = {
        ...(JSON.parse('{}') as FindingsDocument),
        requestId: message.requestId,
        evidenceHash,
        findings,
      };
      await land(document);
      loaded.push(document);
    },
  });
  return { work, payloads, ledger, signals, loaded };
}

/** Replaces one character of the first row: the findings no longer match their evidence hash. */
const tamper = (message: StageMessage): StageMessage => {
  if (!('inline' in message.findings)) throw new Error('inline findings expected');
  return { ...message, findings: { inline: message.findings.inline.replace('ana@', 'eve@') } };
};

describe('Function: extractStage', () => {
  it('disposes of the findings source once the message is sent, and when sending fails', async () => {
    // Prepare
    const disposed: string[] = [];
    const { work } = extract({ disposed });
    const failing = new InMemoryQueue();
    failing.send = async (url, body, attributes) => {
      if (url === GATE && body.includes('"dsr.stage"')) throw new Error('SQS unavailable');
      return InMemoryQueue.prototype.send.call(failing, url, body, attributes);
    };
    const broken = extract({ disposed, queue: failing });
    const first = intake('req-d1', 'ana@example.com');
    const second = intake('req-d2', 'ana@example.com');
    // Act
    await work(first, recordContext(first));
    await expect(broken.work(second, recordContext(second))).rejects.toThrow('SQS unavailable');
    // Assess
    expect(disposed).toEqual(['req-d1', 'req-d2']);
  });

  it('discovers a new request and hands the findings to the gate with its ledger entries', async () => {
    // Prepare
    const { work, queue, discover } = extract();
    const body = intake('req-1', 'Ana@Example.com');
    // Act
    await work(body, recordContext(body));
    // Assess
    expect(discover).toHaveBeenCalledTimes(1);
    const [sent] = queue.bodiesTo(GATE).map((b) => JSON.parse(b) as StageMessage);
    expect(sent?.requestId).toBe('req-1');
    expect(sent?.subjectHash).toBe(hashOf({ email: ['Ana@Example.com'] }));
    expect(sent?.tablesTouched).toEqual(['postgres:public.orders', 'postgres:public.users']);
    expect(sent?.carriedLedger?.map((e) => e.state)).toEqual(['received', 'discovering', 'discovered']);
    expect(sent?.evidenceHash).toBe(findings('req-1', 'ana@example.com').evidenceHash);
  });

  it('on a duplicate delivery after discovery, hands off again without new ledger entries', async () => {
    const { work, queue, ledger } = extract();
    const body = intake('req-2', 'ana@example.com');
    await work(body, recordContext(body));
    await work(body, recordContext(body, { id: 'm2' }));
    expect(queue.bodiesTo(GATE)).toHaveLength(2);
    expect(ledger.carried('req-2').map((e) => e.state)).toEqual(['received', 'discovering', 'discovered']);
  });

  it('moves a standard request whose deadline is near to the high queue, without discovering it', async () => {
    const { work, queue, discover } = extract({ priority: 'standard' });
    const body = intake('req-3', 'ana@example.com', { deadline: '2026-03-03T00:00:00Z' });
    await work(body, recordContext(body));
    expect(discover).not.toHaveBeenCalled();
    expect(queue.bodiesTo(HIGH)).toEqual([body]);
    expect(queue.bodiesTo(GATE)).toEqual([]);
  });

  it.each([
    ['snowflake', () => new SnowflakeError('Snowflake: 503', true, '390503', undefined, false)],
    ['postgres', () => new PostgresError('connection reset', true, '08006', true)],
  ] as const)('counts a %s fault during discovery towards its own breaker only', async (failing, fault) => {
    // Prepare
    const breakers = new DependencyBreakers({
      postgres: { kind: 'consecutive', threshold: 2 },
      snowflake: { kind: 'consecutive', threshold: 2 },
    });
    const other = failing === 'snowflake' ? 'postgres' : 'snowflake';
    const { work, discover } = extract({
      breakers,
      discover: async () => {
        throw fault();
      },
    });
    // Act
    for (const id of ['req-b1', 'req-b2']) {
      const body = intake(id, 'ana@example.com');
      await expect(work(body, recordContext(body))).rejects.toThrow(fault().message);
    }
    const third = intake('req-b3', 'ana@example.com');
    const refused = await work(third, recordContext(third)).catch((e: unknown) => e);
    // Assess
    expect(breakers.state(failing)).toBe('open');
    expect(breakers.state(other)).toBe('closed');
    expect(refused).toBeInstanceOf(DependencyUnavailableError);
    expect((refused as DependencyUnavailableError).circuit).toBe(failing);
    expect(discover).toHaveBeenCalledTimes(2);
  });

  it('refuses a request id seen before with a different subject', async () => {
    const { work, discover } = extract();
    const first = intake('req-4', 'ana@example.com');
    await work(first, recordContext(first));
    const second = intake('req-4', 'bob@example.com');
    const error = await work(second, recordContext(second)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedRequestError);
    expect((error as MalformedRequestError).reason).toBe('conflicting_request');
    expect(discover).toHaveBeenCalledTimes(1);
  });
});

describe('Function: gateStage', () => {
  it('writes the carried entries and `gated`, and hands a compliant request to the load queue', async () => {
    const { work, queue, ledger, checkDrift } = gate();
    const { message } = await handOff('req-10', 'ana@example.com');
    const body = JSON.stringify(message);
    await work(body, recordContext(body));
    expect(checkDrift).toHaveBeenCalledWith(['postgres:public.orders', 'postgres:public.users']);
    expect(ledger.states('req-10')).toEqual(['received', 'discovering', 'discovered', 'gated']);
    expect(queue.bodiesTo(LOAD)).toEqual([body]);
  });

  it('quarantines on a halting verdict: object, metric, page, ledger; nothing sent on', async () => {
    const verdict: DriftVerdict = {
      status: 'NON_COMPLIANT',
      halt: true,
      findings: [
        { driftType: 'type_changed', table: 'postgres:public.users', errorCategory: 'data_corruption' },
      ],
      driftPercent: 12.5,
    };
    const { work, queue, payloads, ledger, signals } = gate(verdict);
    const { message } = await handOff('req-11', 'ana@example.com');
    const body = JSON.stringify(message);
    await work(body, recordContext(body));
    expect(queue.bodiesTo(LOAD)).toEqual([]);
    expect(ledger.states('req-11').at(-1)).toBe('quarantined');
    expect(payloads.keys('quarantine/')).toEqual(['quarantine/2026/03/01/req-11.json']);
    expect(signals.violations).toEqual([
      {
        driftType: 'type_changed',
        errorCategory: 'data_corruption',
        requestId: 'req-11',
        subjectHash: message.subjectHash,
      },
    ]);
    expect(signals.pages.map((p) => p.kind)).toEqual(['type_changed']);
  });

  it('quarantines a hand-off whose findings do not match their evidence hash, before any drift check', async () => {
    const { work, queue, ledger, signals, checkDrift } = gate();
    const { message } = await handOff('req-12', 'ana@example.com');
    const body = JSON.stringify(tamper(message));
    await work(body, recordContext(body));
    expect(checkDrift).not.toHaveBeenCalled();
    expect(queue.bodiesTo(LOAD)).toEqual([]);
    expect(ledger.states('req-12')).toEqual(['received', 'discovering', 'discovered', 'quarantined']);
    expect(ledger.entries.at(-1)?.detail).toMatchObject({
      driftType: 'evidence_hash_mismatch',
      errorCategory: 'integrity',
    });
    expect(signals.violations.map((v) => [v.driftType, v.errorCategory])).toEqual([
      ['evidence_hash_mismatch', 'integrity'],
    ]);
    expect(signals.pages).toHaveLength(1);
  });

  it('changes nothing for a delivery of a request that already ended', async () => {
    const ledger = new InMemoryLedger();
    const { message, carried } = await handOff('req-13', 'ana@example.com');
    await ledger.appendAll(carried);
    await ledger.append({
      requestId: 'req-13',
      state: 'gated',
      at: NOW.toISOString(),
      stage: 'gate',
      traceId: 't',
    });
    await ledger.append({
      requestId: 'req-13',
      state: 'loaded',
      at: NOW.toISOString(),
      stage: 'load',
      traceId: 't',
    });
    const { work, queue, checkDrift } = gate(compliant, ledger);
    const body = JSON.stringify(tamper(message));
    await work(body, recordContext(body));
    expect(checkDrift).not.toHaveBeenCalled();
    expect(queue.sent).toEqual([]);
    expect(ledger.states('req-13')).toEqual(['received', 'discovering', 'discovered', 'gated', 'loaded']);
  });
});

describe('Function: loadStage', () => {
  async function gated(requestId: string, email: string) {
    const ledger = new InMemoryLedger();
    const { message, carried } = await handOff(requestId, email);
    await ledger.appendAll(carried);
    await ledger.append({ requestId, state: 'gated', at: NOW.toISOString(), stage: 'gate', traceId: 't' });
    return { ledger, message };
  }

  it('loads verified findings: loading → loaded', async () => {
    const { ledger, message } = await gated('req-20', 'ana@example.com');
    const { work, loaded } = load(ledger);
    const body = JSON.stringify(message);
    await work(body, recordContext(body));
    expect(loaded.map((d) => d.evidenceHash)).toEqual([message.evidenceHash]);
    expect(ledger.states('req-20').slice(-2)).toEqual(['loading', 'loaded']);
    expect(ledger.entries.at(-1)?.detail).toEqual({ rows: 3, evidenceHash: message.evidenceHash });
  });

  it('publishes the completion event again when a retry finds loaded recorded without proof of the publish, and only then', async () => {
    // Prepare: the topic refuses the first publish, after `loaded` was recorded.
    const { ledger, message } = await gated('req-2p', 'ana@example.com');
    const attempts: CompletionEvent[] = [];
    let topicUp = false;
    const publishing = new PublishingLedger(
      ledger,
      {
        publish: async (event) => {
          attempts.push(event);
          if (!topicUp) throw new Error('SNS unavailable');
        },
      },
      { packageBucket: 'payloads', now },
    );
    const { work, loaded } = load(publishing);
    const body = JSON.stringify(message);
    await expect(work(body, recordContext(body))).rejects.toThrow('SNS unavailable');
    expect(ledger.states('req-2p').at(-1)).toBe('loaded');
    // Act: the retry, with the topic back; then a duplicate delivery.
    topicUp = true;
    await work(body, recordContext(body, { id: 'm2' }));
    await work(body, recordContext(body, { id: 'm3' }));
    // Assess: loaded once, published twice with the same event id, the second publish recorded.
    expect(loaded).toHaveLength(1);
    expect(attempts.map((e) => [e.state, e.eventId])).toEqual([
      ['loaded', attempts[0]?.eventId],
      ['loaded', attempts[0]?.eventId],
    ]);
    const proof = ledger.entries.filter((e) => e.state === 'completion_published');
    expect(proof).toEqual([
      expect.objectContaining({
        stage: 'completion-loaded',
        detail: { eventId: attempts[0]?.eventId, state: 'loaded' },
      }),
    ]);
  });

  it('does not load again on a duplicate delivery', async () => {
    const { ledger, message } = await gated('req-21', 'ana@example.com');
    const { work, loaded } = load(ledger);
    const body = JSON.stringify(message);
    await work(body, recordContext(body));
    await work(body, recordContext(body, { id: 'm2' }));
    expect(loaded).toHaveLength(1);
  });

  it('quarantines findings altered after the gate, and loads nothing', async () => {
    const { ledger, message } = await gated('req-22', 'ana@example.com');
    const { work, loaded, signals, payloads } = load(ledger);
    const body = JSON.stringify(tamper(message));
    await work(body, recordContext(body));
    expect(loaded).toEqual([]);
    expect(ledger.states('req-22').at(-1)).toBe('quarantined');
    expect(payloads.keys('quarantine/')).toHaveLength(1);
    expect(signals.violations[0]).toMatchObject({
      driftType: 'evidence_hash_mismatch',
      errorCategory: 'integrity',
    });
    expect(signals.pages).toHaveLength(1);
  });

  it('quarantines a self-consistent hand-off whose subject is not the one the ledger received', async () => {
    // The ledger received req-23 for ana; a message for the same id carries bob's findings and hash.
    const { ledger } = await gated('req-23', 'ana@example.com');
    const { message: forged } = await handOff('req-23', 'bob@example.com');
    const { work, loaded, signals } = load(ledger);
    const body = JSON.stringify(forged);
    await work(body, recordContext(body));
    expect(loaded).toEqual([]);
    expect(signals.violations.map((v) => v.driftType)).toEqual(['ledger_subject_mismatch']);
  });

  it('quarantines a request with a finding larger than a VARIANT, without retrying it', async () => {
    const { ledger, message } = await gated('req-24', 'ana@example.com');
    const { work, loaded, signals, payloads } = load(ledger, async () => {
      throw new SnowflakeValueTooLargeError('public.users', ['id'], 17_000_000, 16_777_216);
    });
    const body = JSON.stringify(message);
    await work(body, recordContext(body));
    expect(loaded).toEqual([]);
    expect(ledger.states('req-24').slice(-2)).toEqual(['loading', 'quarantined']);
    expect(payloads.keys('quarantine/')).toHaveLength(1);
    expect(signals.violations[0]).toMatchObject({
      driftType: 'value_too_large',
      errorCategory: 'data_limit',
    });
    expect(signals.pages).toHaveLength(1);
  });

  it('quarantines a claim check replaced in the bucket', async () => {
    const { ledger, message } = await gated('req-24', 'ana@example.com');
    const { work, payloads, loaded, signals } = load(ledger);
    const inline = 'inline' in message.findings ? message.findings.inline : '';
    const pointer = await payloads.put('claim-check/req-24/x.json', inline.replace('10.50', '99.99'));
    const body = JSON.stringify({ ...message, findings: { claimCheck: pointer } });
    await work(body, recordContext(body));
    expect(loaded).toEqual([]);
    expect(signals.violations.map((v) => v.driftType)).toEqual(['evidence_hash_mismatch']);
  });
});
