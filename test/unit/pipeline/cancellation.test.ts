import { describe, expect, it, vi } from 'vitest';
import { buildFindingsDocument, type FindingsDocument } from '../../../shared/discovery/FindingsDocument';
import { findingsSourceOf } from '../../../shared/discovery/FindingsStream';
import { subjectHash } from '../../../shared/identity/subjectHash';
import type { IntakeRequest } from '../../../shared/intake/IntakeRequest';
import { MalformedRequestError } from '../../../shared/intake/MalformedRequestError';
import type { StageWork } from '../../../shared/pipeline/RecordContext';
import { extractStage } from '../../../shared/pipeline/stages/extractStage';
import { gateStage } from '../../../shared/pipeline/stages/gateStage';
import { loadStage } from '../../../shared/pipeline/stages/loadStage';
import { InMemoryLedger } from '../../support/InMemoryLedger';
import {
  captureSignals,
  InMemoryPayloadStore,
  InMemoryQueue,
  recordContext,
} from '../../support/inMemoryPorts';

const KEY = 'k'.repeat(32);
const EMAIL = 'ana@example.com';
const GATE = 'https://sqs.local/gate';
const HIGH = 'https://sqs.local/high';
const LOAD = 'https://sqs.local/load';
const hashOf = (subject: IntakeRequest['subject']) => subjectHash(KEY, subject);

function intake(requestId: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: 1,
    requestId,
    type: 'access',
    subject: { email: [EMAIL] },
    jurisdiction: 'GDPR',
    receivedAt: '2026-02-27T10:00:00Z',
    ...extra,
  });
}

function findings(requestId: string): FindingsDocument {
  return buildFindingsDocument({
    requestId,
    subjectHash: hashOf({ email: [EMAIL] }),
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
            row: { email: EMAIL, id: 7 },
          },
        ],
      },
    ],
  });
}

/**
 * Three stages over one ledger (as the gate and the load see it in Snowflake), the queues in
 * memory, and hooks that run in the middle of each stage's work.
 */
function pipeline(
  hooks: { discover?: () => Promise<void>; drift?: () => Promise<void>; fetch?: () => Promise<void> } = {},
) {
  const ledger = new InMemoryLedger();
  const queue = new InMemoryQueue();
  const payloads = new InMemoryPayloadStore();
  const realGet = payloads.get.bind(payloads);
  payloads.get = async (pointer) => {
    await hooks.fetch?.();
    return realGet(pointer);
  };
  const signals = captureSignals();
  let clock = new Date('2026-03-01T12:00:00.000Z');
  const now = () => {
    clock = new Date(clock.getTime() + 1000);
    return clock;
  };
  const common = { ledger, queue, payloads, logger: signals.logger, now };
  const discover = vi.fn(async (request: IntakeRequest) => {
    await hooks.discover?.();
    return findingsSourceOf(findings(request.requestId));
  });
  const load = vi.fn(async () => undefined);
  const extract = extractStage({
    ...common,
    stage: 'extract-high',
    priority: 'high',
    nextQueueUrl: GATE,
    highQueueUrl: HIGH,
    identityKinds: ['email'],
    hashSubject: hashOf,
    discover,
    // Claim-checked, so the load stage fetches the findings (the `fetch` hook).
    claimCheckBytes: 1,
  });
  const gate = gateStage({
    ...common,
    stage: 'gate',
    nextQueueUrl: LOAD,
    checkDrift: async () => {
      await hooks.drift?.();
      return { status: 'COMPLIANT', halt: false, findings: [], driftPercent: 0 };
    },
    metrics: signals.metrics,
    pagerDuty: signals.pagerDuty,
  });
  const loadWork = loadStage({
    ...common,
    stage: 'load',
    metrics: signals.metrics,
    continueQueueUrl: LOAD,
    loadPart: load,
  });
  const run = (work: StageWork, body: string) => work(body, recordContext(body));
  /** Delivers every message waiting on a queue to its stage, once. */
  const deliver = async (queueUrl: string, work: StageWork) => {
    const bodies = queue.bodiesTo(queueUrl);
    queue.sent.splice(0, queue.sent.length, ...queue.sent.filter((s) => s.queueUrl !== queueUrl));
    for (const body of bodies) await run(work, body);
  };
  /** What a portal does: an action on the intake queue, read by an extractor, decided at the gate. */
  const act = async (action: 'extend' | 'cancel', requestId: string, reason: string) => {
    const body = JSON.stringify({ action, requestId, reason });
    const before = queue.bodiesTo(GATE).length;
    await run(extract, body);
    const forwarded = queue.bodiesTo(GATE)[before];
    if (!forwarded) throw new Error('the action was not forwarded');
    queue.sent.splice(
      queue.sent.findIndex((s) => s.body === forwarded),
      1,
    );
    await run(gate, forwarded);
  };
  return { ledger, queue, extract, gate, loadWork, discover, load, run, deliver, act, signals };
}

describe('Cancellation: a stage that meets a cancelled request stops without further work', () => {
  it('cancelled during extraction: the gate stops it, nothing is gated or loaded', async () => {
    // Prepare
    let p: ReturnType<typeof pipeline> | undefined;
    p = pipeline({ discover: () => (p as ReturnType<typeof pipeline>).act('cancel', 'REQ-X', 'withdrawn') });
    // Act
    await p.run(p.extract, intake('REQ-X'));
    await p.deliver(GATE, p.gate);
    await p.deliver(LOAD, p.loadWork);
    // Assess
    expect(p.ledger.states('REQ-X')).toContain('cancelled');
    expect(p.ledger.states('REQ-X')).not.toContain('gated');
    expect(p.queue.bodiesTo(LOAD)).toHaveLength(0);
    expect(p.load).not.toHaveBeenCalled();
  });

  it('cancelled during the gate: the load stops it, nothing is loaded', async () => {
    let p: ReturnType<typeof pipeline> | undefined;
    p = pipeline({
      drift: () => (p as ReturnType<typeof pipeline>).act('cancel', 'REQ-G', 'identity_not_verified'),
    });
    await p.run(p.extract, intake('REQ-G'));
    await p.deliver(GATE, p.gate);
    await p.deliver(LOAD, p.loadWork);
    const states = p.ledger.states('REQ-G');
    expect(states).toContain('cancelled');
    expect(states).not.toContain('loading');
    expect(states).not.toContain('loaded');
    expect(p.load).not.toHaveBeenCalled();
  });

  it('cancelled during the load (while the hand-off is fetched and verified): nothing is loaded', async () => {
    let p: ReturnType<typeof pipeline> | undefined;
    let fetched = 0;
    p = pipeline({
      fetch: async () => {
        // The gate fetches first; the second fetch is the load stage's.
        if (++fetched === 2)
          await (p as ReturnType<typeof pipeline>).act('cancel', 'REQ-L', 'manifestly_unfounded');
      },
    });
    await p.run(p.extract, intake('REQ-L'));
    await p.deliver(GATE, p.gate);
    await p.deliver(LOAD, p.loadWork);
    expect(fetched).toBe(2);
    const states = p.ledger.states('REQ-L');
    expect(states).toContain('cancelled');
    expect(states).not.toContain('loading');
    expect(p.load).not.toHaveBeenCalled();
  });

  it('an uncancelled request goes through (the hooks alone change nothing)', async () => {
    const p = pipeline({
      discover: async () => undefined,
      drift: async () => undefined,
      fetch: async () => undefined,
    });
    await p.run(p.extract, intake('REQ-OK'));
    await p.deliver(GATE, p.gate);
    await p.deliver(LOAD, p.loadWork);
    expect(p.ledger.states('REQ-OK').at(-1)).toBe('loaded');
    expect(p.load).toHaveBeenCalledTimes(1);
  });

  it('a redelivered intake message of a cancelled request is not discovered again', async () => {
    const p = pipeline();
    await p.act('cancel', 'REQ-C', 'duplicate');
    // An extractor that sees the ledger (here: the same ledger) stops at once.
    const extractWithLedger = extractStage({
      stage: 'extract-high',
      ledger: p.ledger,
      queue: p.queue,
      payloads: new InMemoryPayloadStore(),
      logger: p.signals.logger,
      priority: 'high',
      nextQueueUrl: GATE,
      highQueueUrl: HIGH,
      identityKinds: ['email'],
      hashSubject: hashOf,
      discover: p.discover,
    });
    await p.run(extractWithLedger, intake('REQ-C'));
    expect(p.discover).not.toHaveBeenCalled();
    expect(p.ledger.states('REQ-C')).toEqual(['cancelled']);
    expect(p.signals.lines.some((l) => l.includes('request cancelled: no further work'))).toBe(true);
  });
});

describe('Intake actions', () => {
  it('records an extension at the gate and refuses a second one as action_refused', async () => {
    const p = pipeline();
    await p.run(p.extract, intake('REQ-E'));
    await p.deliver(GATE, p.gate);
    await p.act('extend', 'REQ-E', 'complexity: forty systems');
    const extended = p.ledger.entries.find((e) => e.state === 'extended');
    expect(extended?.detail).toMatchObject({
      reasonCode: 'complexity',
      previousDeadline: '2026-03-27T10:00:00.000Z',
      deadline: '2026-05-27T10:00:00.000Z',
    });
    await expect(p.act('extend', 'REQ-E', 'complexity')).rejects.toMatchObject({
      reason: 'action_refused',
    });
    // The free text never reaches a queue, the ledger or a log line.
    const everything = JSON.stringify([p.ledger.entries, p.queue.sent, p.signals.lines]);
    expect(everything).not.toContain('forty systems');
  });

  it('refuses a malformed action at intake, naming fields only', async () => {
    const p = pipeline();
    const body = JSON.stringify({ action: 'cancel', requestId: 'REQ-M', reason: `asked by ${EMAIL}` });
    await expect(p.run(p.extract, body)).rejects.toBeInstanceOf(MalformedRequestError);
    await expect(p.run(p.extract, body)).rejects.not.toThrow(EMAIL);
    expect(p.queue.sent).toHaveLength(0);
  });

  it('promotes on the deadline as extended: an extended request near its received deadline stays standard', async () => {
    const ledger = new InMemoryLedger();
    const queue = new InMemoryQueue();
    const signals = captureSignals();
    const at = new Date('2026-03-25T00:00:00.000Z'); // two days before the received deadline
    const standard = extractStage({
      stage: 'extract-standard',
      ledger,
      queue,
      payloads: new InMemoryPayloadStore(),
      logger: signals.logger,
      now: () => at,
      priority: 'standard',
      nextQueueUrl: GATE,
      highQueueUrl: HIGH,
      identityKinds: ['email'],
      hashSubject: hashOf,
      discover: async (request) => findingsSourceOf(findings(request.requestId)),
    });
    // Without an extension: promoted.
    await standard(intake('REQ-P1'), recordContext(intake('REQ-P1')));
    expect(queue.bodiesTo(HIGH)).toHaveLength(1);
    // With one recorded (deadline 27 May): worked on the standard queue.
    await standard(intake('REQ-P2'), recordContext(intake('REQ-P2')));
    const received = ledger.entries.find((e) => e.requestId === 'REQ-P2' && e.state === 'received');
    expect(received).toBeDefined();
    ledger.entries.push({
      requestId: 'REQ-P2',
      state: 'extended',
      at: '2026-03-10T00:00:00.000Z',
      stage: 'gate',
      traceId: 't',
      detail: { reasonCode: 'complexity', deadline: '2026-05-27T10:00:00.000Z' },
    });
    queue.sent.length = 0;
    await standard(intake('REQ-P2'), recordContext(intake('REQ-P2')));
    expect(queue.bodiesTo(HIGH)).toHaveLength(0);
    expect(queue.bodiesTo(GATE)).toHaveLength(1);
  });
});
