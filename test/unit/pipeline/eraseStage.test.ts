import { describe, expect, it, vi } from 'vitest';
import { buildFindingsDocument, type FindingsDocument } from '../../../shared/discovery/FindingsDocument';
import type { ErasureReceipt } from '../../../shared/erasure/buildErasureReceipt';
import { type ErasurePlan, sealPlan } from '../../../shared/erasure/ErasurePlan';
import type { ErasureProblem } from '../../../shared/erasure/ErasureProblem';
import type { ErasureStep } from '../../../shared/erasure/ErasureStep';
import type { ErasureResume } from '../../../shared/erasure/executeErasurePlan';
import { rowHash } from '../../../shared/erasure/rowHash';
import type { ErasureVerification } from '../../../shared/erasure/verifyErasure';
import { subjectHash } from '../../../shared/identity/subjectHash';
import type { IntakeRequest } from '../../../shared/intake/IntakeRequest';
import { isEraseCheckpoint } from '../../../shared/pipeline/EraseCheckpoint';
import type { StageWork } from '../../../shared/pipeline/RecordContext';
import { eraseStage, type SubjectEraser } from '../../../shared/pipeline/stages/eraseStage';
import { extractStage } from '../../../shared/pipeline/stages/extractStage';
import { gateStage } from '../../../shared/pipeline/stages/gateStage';
import { PostgresError } from '../../../shared/postgres/errors';
import { DependencyBreakers } from '../../../shared/resilience/DependencyBreakers';
import { SnowflakeError } from '../../../shared/snowflake/errors';
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
const LOAD = 'https://sqs.local/load';
const ERASE = 'https://sqs.local/erase';
const hashOf = (subject: IntakeRequest['subject']) => subjectHash(KEY, subject);

function intake(requestId: string): string {
  return JSON.stringify({
    version: 1,
    requestId,
    type: 'erasure',
    subject: { email: [EMAIL] },
    jurisdiction: 'GDPR',
    receivedAt: '2026-02-27T10:00:00Z',
  });
}

/** The subject's rows: `orders` rows 1..n and one customer row; `changed` alters order 1 (a concurrent update). */
function findings(requestId: string, orders: number, changed = false): FindingsDocument {
  const provenance = [
    { column: 'email', identity: 'email', round: 1, source: 'request', via: 'identity' },
  ] as const;
  return buildFindingsDocument({
    requestId,
    subjectHash: hashOf({ email: [EMAIL] }),
    tables: [
      {
        system: 'postgres',
        table: 'public.customer',
        primaryKey: ['id'],
        rows: [{ key: { id: 7 }, provenance: [...provenance], row: { email: EMAIL, id: 7 } }],
      },
      {
        system: 'postgres',
        table: 'public.orders',
        primaryKey: ['id'],
        rows: Array.from({ length: orders }, (_, i) => ({
          key: { id: i + 1 },
          provenance: [...provenance],
          row: { email: EMAIL, id: i + 1, ...(changed && i === 0 ? { status: 'refunded' } : {}) },
        })),
      },
    ],
  });
}

function planOf(document: FindingsDocument): ErasurePlan {
  const table = (name: string) => {
    const rows = document.findings.filter((f) => f.table === name);
    return {
      system: 'postgres' as const,
      table: name,
      action: 'delete' as const,
      primaryKey: ['id'],
      found: rows.length,
      rows: rows.map((f) => ({ key: f.key, rowHash: rowHash(f.row) })),
      approvalRequired: false,
    };
  };
  return sealPlan({
    version: 1,
    requestId: document.requestId,
    subject: document.subject,
    findingsHash: document.evidenceHash,
    tables: [table('public.orders'), table('public.customer')],
  });
}

/**
 * Extract, gate and erase over one ledger, queues and bucket in memory, and an eraser over a set of
 * row ids standing for the database: what it deletes is gone, a second run finds it done.
 */
function pipeline(
  options: {
    orders?: number;
    problems?: ErasurePlanProblems;
    leftBehind?: boolean;
    /** Executions that find rows changed since discovery before one goes through. */
    stale?: number;
    /** Orders a fresh discovery finds after the change. @default `orders` */
    ordersAfterChange?: number;
    /** What the Snowflake check before any commit refuses: the execution changes nothing. */
    refused?: ErasurePlanProblems;
    breakers?: DependencyBreakers;
    /** Executions that fail with this fault before one goes through. */
    executeFaults?: { count: number; fault: () => Error };
    /** The invocation's remaining time each delivery sees (ms, called before each unit): none by default. */
    remainingMs?: () => number;
    /** The tables whose findings the eraser needs besides the plan. @default every table */
    needs?: (table: { system: string; table: string }) => boolean;
  } = {},
) {
  const ledger = new InMemoryLedger();
  const queue = new InMemoryQueue();
  const payloads = new InMemoryPayloadStore();
  const signals = captureSignals();
  let clock = new Date('2026-03-01T12:00:00.000Z');
  const now = () => {
    clock = new Date(clock.getTime() + 1000);
    return clock;
  };
  const common = { ledger, queue, payloads, logger: signals.logger, now };
  const database = new Set<string>();
  const orders = options.orders ?? 3;
  for (let i = 1; i <= orders; i++) database.add(`public.orders:${i}`);
  database.add('public.customer:7');
  let crashAfterFirstTable = false;
  const executions: string[] = [];
  /** The tables of the findings each execution was given. */
  const heldFindings: string[][] = [];
  let stale = options.stale ?? 0;
  const eraser: SubjectEraser = {
    // Each table is a unit (a transaction): one with a step in `resume.done` is not run again, and
    // `beforeUnit` is asked before each further unit once one committed, as `executeErasureUnits` does.
    execute: vi.fn(
      async (
        plan: ErasurePlan,
        given: FindingsDocument,
        onStep: (s: ErasureStep) => Promise<void>,
        resume?: ErasureResume,
      ) => {
        executions.push(plan.planHash);
        heldFindings.push(given.findings.map((f) => f.table));
        if (options.refused) return { outcome: 'refused' as const, problems: options.refused };
        if (options.executeFaults && options.executeFaults.count > 0) {
          options.executeFaults.count--;
          throw options.executeFaults.fault();
        }
        if (stale > 0) {
          stale--;
          return {
            outcome: 'stale' as const,
            stale: [{ system: 'postgres' as const, table: 'public.orders', rows: 1 }],
          };
        }
        const done = new Set((resume?.done ?? []).map((s) => s.table));
        const steps: ErasureStep[] = [];
        let committed = 0;
        for (const t of plan.tables) {
          if (done.has(t.table)) continue;
          if (committed > 0 && resume?.beforeUnit && !(await resume.beforeUnit()))
            return {
              outcome: 'paused' as const,
              steps,
              units: { done: done.size + committed, of: plan.tables.length },
            };
          let changed = 0;
          let alreadyDone = 0;
          for (const r of t.rows) {
            const id = `${t.table}:${String(r.key.id)}`;
            if (database.delete(id)) changed++;
            else alreadyDone++;
          }
          const step = {
            system: t.system,
            table: t.table,
            action: 'delete' as const,
            planned: t.rows.length,
            changed,
            alreadyDone,
          };
          steps.push(step);
          await onStep(step);
          if (crashAfterFirstTable) {
            crashAfterFirstTable = false;
            throw new Error('the process died');
          }
          committed++;
        }
        return { outcome: 'done' as const, steps };
      },
    ),
    replan: vi.fn(async ({ requestId }: { requestId: string }) => {
      const after = options.ordersAfterChange ?? orders;
      for (let i = orders + 1; i <= after; i++) database.add(`public.orders:${i}`);
      const document = findings(requestId, after, true);
      return { findings: document, plan: planOf(document), problems: [] };
    }),
    prove: vi.fn(
      async (): Promise<ErasureVerification> =>
        options.leftBehind
          ? {
              outcome: 'erasure_unverified' as const,
              remaining: [
                {
                  system: 'postgres' as const,
                  table: 'public.audit',
                  rows: 1,
                  reason: 'rows_remain' as const,
                },
              ],
              refound: { 'postgres:public.audit': 1 },
            }
          : { outcome: 'erased' as const, remaining: [], refound: {} },
    ),
    retention: async () => ({ postgresBackupRetentionDays: 30 }),
    ...(options.needs ? { needs: async () => options.needs as NonNullable<typeof options.needs> } : {}),
  };
  const receipts = new Map<string, ErasureReceipt>();
  const receiptStore = {
    put: vi.fn(async (r: ErasureReceipt) => {
      if (!receipts.has(r.requestId)) receipts.set(r.requestId, r);
      return receipts.get(r.requestId) as ErasureReceipt;
    }),
    get: async (id: string) => receipts.get(id),
  };
  const evidence: { rows: number; part: number }[] = [];
  const removeOwnCopies = vi.fn(async () => ({
    earlierRequests: 1,
    findingRowsCleared: 4,
    objectsDeleted: 3,
    byRequest: [{ requestId: 'r-0', rows: 4, objects: 2 }],
  }));
  const extract = extractStage({
    ...common,
    stage: 'extract-high',
    priority: 'high',
    nextQueueUrl: GATE,
    highQueueUrl: GATE,
    identityKinds: ['email'],
    hashSubject: hashOf,
    discover: async () => {
      throw new Error('an erasure request is planned, not only discovered');
    },
    planErasure: async (request) => {
      const document = findings(request.requestId, orders);
      return {
        findings: document,
        plan: planOf(document),
        problems: options.problems ?? [],
        known: { email: [EMAIL], customer_id: ['7'] },
        // A customer id in the subject's rows that another person's rows hold too: never searched.
        unfollowed: { customer_id: ['8808'] },
      };
    },
    claimCheckBytes: 1,
  });
  const gate = gateStage({
    ...common,
    stage: 'gate',
    nextQueueUrl: LOAD,
    eraseQueueUrl: ERASE,
    checkDrift: async () => ({ status: 'COMPLIANT', halt: false, findings: [], driftPercent: 0 }),
    metrics: signals.metrics,
    pagerDuty: signals.pagerDuty,
  });
  const erase = eraseStage({
    ...common,
    stage: 'erase',
    metrics: signals.metrics,
    pagerDuty: signals.pagerDuty,
    continueQueueUrl: ERASE,
    approval: { maxRowsWithoutApproval: 10 },
    approvalPollSeconds: 900,
    eraser,
    ...(options.breakers ? { breakers: options.breakers } : {}),
    loadEvidence: async (found, part) => {
      evidence.push({ rows: found.length, part: part.part });
    },
    receipts: receiptStore,
    removeOwnCopies,
    deleteRequestObjects: async (requestId) => {
      const keys = [...payloads.objects.keys()].filter((k) => k.includes(`/${requestId}/`));
      for (const k of keys) payloads.objects.delete(k);
      return keys.length;
    },
  });
  const run = (work: StageWork, body: string) =>
    work(body, {
      ...recordContext(body),
      ...(options.remainingMs ? { remainingMs: options.remainingMs } : {}),
    });
  const deliver = async (queueUrl: string, work: StageWork) => {
    const bodies = queue.bodiesTo(queueUrl);
    queue.sent.splice(0, queue.sent.length, ...queue.sent.filter((s) => s.queueUrl !== queueUrl));
    for (const body of bodies) await run(work, body);
    return bodies;
  };
  /** Intake → extract → gate; returns what the gate sent to the erase queue. */
  const upToErase = async (requestId: string) => {
    await run(extract, intake(requestId));
    await deliver(GATE, gate);
    return queue.bodiesTo(ERASE);
  };
  return {
    ledger,
    queue,
    payloads,
    signals,
    database,
    eraser,
    executions,
    heldFindings,
    receipts,
    receiptStore,
    evidence,
    removeOwnCopies,
    erase,
    run,
    deliver,
    upToErase,
    crashNextAfterFirstTable: () => {
      crashAfterFirstTable = true;
    },
  };
}
type ErasurePlanProblems = ErasureProblem[];

const transitions = (p: ReturnType<typeof pipeline>, id: string) =>
  p.ledger.entries.filter((e) => e.requestId === id && !isEraseCheckpoint(e)).map((e) => e.state);

describe('Stage: erase', () => {
  it('erases a small plan end to end: evidence without values, own copies, receipt, objects deleted', async () => {
    // Prepare
    const p = pipeline();
    const sent = await p.upToErase('r-1');
    expect(sent).toHaveLength(1);
    expect(p.queue.bodiesTo(LOAD)).toEqual([]);
    expect(p.payloads.keys('erasure/r-1/')).toEqual(['erasure/r-1/case.json']);

    // Act
    await p.deliver(ERASE, p.erase);

    // Assess
    expect(transitions(p, 'r-1')).toEqual([
      'received',
      'discovering',
      'discovered',
      'gated',
      'erasing',
      'erased',
    ]);
    expect(p.database.size).toBe(0);
    expect(p.evidence).toEqual([{ rows: 4, part: 1 }]);
    expect(p.removeOwnCopies).toHaveBeenCalledTimes(1);
    const receipt = p.receipts.get('r-1');
    expect(receipt?.tables.map((t) => [t.table, t.deleted])).toEqual([
      ['public.orders', 3],
      ['public.customer', 1],
    ]);
    expect(receipt?.ownCopies).toEqual({ earlierRequests: 1, findingRowsCleared: 4, objectsDeleted: 2 });
    expect(p.ledger.entries.at(-1)?.detail?.receiptHash).toBe(receipt?.receiptHash);
    // The subject's identifiers and findings no longer sit in the bucket.
    expect(p.payloads.keys().filter((k) => k.includes('/r-1/'))).toEqual([]);
    // The discovered entry recorded the plan before anything acted.
    const discovered = p.ledger.entries.find((e) => e.state === 'discovered');
    expect(discovered?.detail).toMatchObject({
      planHash: receipt?.planHash,
      rowsToChange: 4,
      planProblems: 0,
    });
  });

  it('changes nothing on a duplicate delivery after the erasure ended', async () => {
    const p = pipeline();
    const [body] = await p.upToErase('r-2');
    await p.deliver(ERASE, p.erase);
    const entries = p.ledger.entries.length;

    await p.run(p.erase, body as string);

    expect(p.ledger.entries.length).toBe(entries);
    expect(p.executions).toHaveLength(1);
    expect(p.receiptStore.put).toHaveBeenCalledTimes(1);
  });

  it('makes a plan above the blast radius wait for an approval bound to its plan hash, then erases', async () => {
    // Prepare: 12 orders + 1 customer > 10 rows without approval.
    const p = pipeline({ orders: 12 });
    await p.upToErase('r-3');

    // Act 1: the erase stage records the wait and sends the message back with a delay.
    await p.deliver(ERASE, p.erase);
    const waiting = p.queue.sent.filter((s) => s.queueUrl === ERASE);
    // Act 2: nobody approved yet: still waiting, nothing new in the ledger.
    const before = p.ledger.entries.length;
    await p.deliver(ERASE, p.erase);
    const stillWaiting = p.ledger.entries.length;
    // Act 3: an operator approves that plan.
    const planHash = p.ledger.entries.find((e) => e.state === 'awaiting_approval')?.detail?.planHash;
    p.ledger.entries.push({
      requestId: 'r-3',
      state: 'approved',
      at: '2026-03-01T13:00:00.000Z',
      stage: 'operator',
      traceId: 'cli',
      detail: { planHash: String(planHash), approver: 'ALICE' },
    });
    await p.deliver(ERASE, p.erase);

    // Assess
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.delaySeconds).toBe(900);
    expect(stillWaiting).toBe(before);
    expect(p.ledger.entries.find((e) => e.state === 'awaiting_approval')?.detail).toMatchObject({
      rowsToChange: 13,
      reasons: 'BLAST_RADIUS',
    });
    expect(transitions(p, 'r-3').slice(3)).toEqual([
      'gated',
      'awaiting_approval',
      'approved',
      'erasing',
      'erased',
    ]);
    expect(p.executions).toHaveLength(1);
  });

  it('refuses an approval recorded for another plan', async () => {
    const p = pipeline({ orders: 12 });
    await p.upToErase('r-4');
    await p.deliver(ERASE, p.erase);
    p.ledger.entries.push({
      requestId: 'r-4',
      state: 'approved',
      at: '2026-03-01T13:00:00.000Z',
      stage: 'operator',
      traceId: 'cli',
      detail: { planHash: 'f'.repeat(64), approver: 'ALICE' },
    });

    await p.deliver(ERASE, p.erase);

    expect(transitions(p, 'r-4').at(-1)).toBe('quarantined');
    expect(p.executions).toEqual([]);
    expect(p.database.size).toBe(13);
  });

  it('finishes after a crash between steps without erasing twice, and the receipt counts every row once', async () => {
    const p = pipeline();
    const [body] = await p.upToErase('r-5');
    p.crashNextAfterFirstTable();

    await expect(p.run(p.erase, body as string)).rejects.toThrow('the process died');
    const afterCrash = p.database.size;
    await p.run(p.erase, body as string);

    expect(afterCrash).toBe(1);
    expect(p.database.size).toBe(0);
    expect(transitions(p, 'r-5').slice(-2)).toEqual(['erasing', 'erased']);
    const steps = p.ledger.entries.filter((e) => isEraseCheckpoint(e, 'step')).map((e) => e.detail);
    // The committed step is not run again: the resumed delivery starts after it.
    expect(steps).toEqual([
      expect.objectContaining({ table: 'public.orders', changed: 3, alreadyDone: 0 }),
      expect.objectContaining({ table: 'public.customer', changed: 1, alreadyDone: 0 }),
    ]);
    expect(p.receipts.get('r-5')?.tables.map((t) => t.deleted)).toEqual([3, 1]);
  });

  it('hands on when time is short: one unit per invocation, the proof in one of its own, each unit committed once', async () => {
    // Prepare: every invocation has 10 s left, less than the 20 s reserve.
    const p = pipeline({ remainingMs: () => 10_000 });
    await p.upToErase('r-20');

    // Act: deliver what the erase queue holds until it is empty.
    const afterEach: number[] = [];
    let invocations = 0;
    while (p.queue.bodiesTo(ERASE).length > 0 && invocations < 10) {
      await p.deliver(ERASE, p.erase);
      invocations++;
      afterEach.push(p.database.size);
    }

    // Assess: each invocation committed one unit (orders, then the customer) before handing on, even
    // with its time short; the third, with nothing left to commit, proved whatever its time.
    expect(invocations).toBe(3);
    expect(afterEach).toEqual([1, 0, 0]);
    expect(transitions(p, 'r-20')).toEqual([
      'received',
      'discovering',
      'discovered',
      'gated',
      'erasing',
      'erased',
    ]);
    const steps = p.ledger.entries.filter((e) => isEraseCheckpoint(e, 'step')).map((e) => e.detail?.table);
    expect(steps).toEqual(['public.orders', 'public.customer']);
    expect(p.eraser.prove).toHaveBeenCalledTimes(1);
    expect(p.receipts.get('r-20')?.tables.map((t) => t.deleted)).toEqual([3, 1]);
    const handOns = p.signals.lines.filter((l) => l.includes('time short: the erasure continues'));
    expect(handOns).toHaveLength(2);
  });

  it('does not read every part again when it resumes the hand-off it verified whole when the erasure began', async () => {
    const p = pipeline({ remainingMs: () => 10_000, needs: () => false });
    await p.upToErase('r-23');
    const partGets = vi.spyOn(p.payloads, 'get');
    const partsRead = () => partGets.mock.calls.filter(([pointer]) => pointer.key.endsWith('.ndjson')).length;

    await p.deliver(ERASE, p.erase);
    const first = partsRead();
    partGets.mockClear();
    await p.deliver(ERASE, p.erase);
    const second = partsRead();

    expect(first).toBeGreaterThan(0);
    expect(second).toBe(0);
    const erasing = p.ledger.entries.find((e) => e.state === 'erasing' && !isEraseCheckpoint(e));
    expect(erasing?.detail?.handOff).toEqual(expect.stringMatching(/^[0-9a-f]{64}$/));
    // The third invocation proves, and lands the evidence part by part.
    await p.deliver(ERASE, p.erase);
    expect(transitions(p, 'r-23').at(-1)).toBe('erased');
    expect(p.evidence.reduce((n, e) => n + e.rows, 0)).toBe(4);
  });

  it('quarantines a resumed erasure whose part changed after it was verified, when it reads the part', async () => {
    const p = pipeline({ remainingMs: () => 10_000, needs: () => false });
    await p.upToErase('r-24');
    await p.deliver(ERASE, p.erase);
    await p.deliver(ERASE, p.erase);
    const [key] = p.payloads.keys('claim-check/r-24/').filter((k) => k.endsWith('.ndjson'));
    const stored = p.payloads.objects.get(key as string);
    p.payloads.objects.set(key as string, {
      body: `${stored?.body.slice(0, -2)} \n`,
      metadata: stored?.metadata ?? {},
    });

    await p.deliver(ERASE, p.erase);

    expect(transitions(p, 'r-24').at(-1)).toBe('quarantined');
    expect(p.receipts.get('r-24')).toBeUndefined();
  });

  it('holds only the findings the eraser needs, and still lands the evidence of every finding', async () => {
    const p = pipeline({ needs: (t) => t.table === 'public.customer' });
    await p.upToErase('r-22');

    await p.deliver(ERASE, p.erase);

    expect(transitions(p, 'r-22').at(-1)).toBe('erased');
    expect(p.heldFindings).toEqual([['public.customer']]);
    expect(p.evidence).toEqual([{ rows: 4, part: 1 }]);
  });

  it('runs the whole erasure in one invocation when time is plentiful', async () => {
    const p = pipeline({ remainingMs: () => 250_000 });
    await p.upToErase('r-21');

    await p.deliver(ERASE, p.erase);

    expect(p.queue.bodiesTo(ERASE)).toEqual([]);
    expect(transitions(p, 'r-21').at(-1)).toBe('erased');
    expect(p.database.size).toBe(0);
  });

  it('ends erasure_unverified and pages when the proof still finds the subject', async () => {
    const p = pipeline({ leftBehind: true });
    await p.upToErase('r-6');

    await p.deliver(ERASE, p.erase);

    expect(transitions(p, 'r-6').at(-1)).toBe('erasure_unverified');
    expect(p.signals.pages).toEqual([
      expect.objectContaining({ requestId: 'r-6', kind: 'erasure_unverified', severity: 'critical' }),
    ]);
    expect(JSON.stringify(p.signals.pages)).not.toContain(EMAIL);
  });

  it('is stopped at the gate when the plan cannot run, naming the table and code', async () => {
    const p = pipeline({
      problems: [
        {
          system: 'postgres',
          table: 'public.orders',
          code: 'CASCADE_TO_UNDISCOVERED',
          message: 'a delete would cascade to 2 row(s) of public.invoice that discovery did not find',
        },
      ],
    });

    const sent = await p.upToErase('r-7');

    expect(sent).toEqual([]);
    expect(transitions(p, 'r-7').at(-1)).toBe('quarantined');
    expect(p.signals.pages[0]?.summary).toContain('CASCADE_TO_UNDISCOVERED');
    expect(p.database.size).toBe(4);
  });

  it('quarantines a plan whose Snowflake part is refused before any commit, naming the table and code, and changes nothing', async () => {
    const p = pipeline({
      refused: [
        {
          system: 'snowflake',
          table: 'ANALYTICS.PUBLIC.CONTACTS',
          column: 'SCORE',
          code: 'MASK_REFUSED',
          message: 'SCORE is NUMBER: a keyed hash needs a text column (strategy hash)',
        },
      ],
    });
    await p.upToErase('r-7b');

    await p.deliver(ERASE, p.erase);

    expect(transitions(p, 'r-7b').at(-1)).toBe('quarantined');
    expect(p.signals.pages[0]?.summary).toContain('MASK_REFUSED');
    expect(p.eraser.replan).not.toHaveBeenCalled();
    expect(p.database.size).toBe(4);
    expect(p.receipts.get('r-7b')).toBeUndefined();
  });

  it('stops a cancelled erasure and removes its case and findings from the bucket', async () => {
    const p = pipeline({ orders: 12 });
    await p.upToErase('r-8');
    await p.deliver(ERASE, p.erase);
    p.ledger.entries.push({
      requestId: 'r-8',
      state: 'cancelled',
      at: '2026-03-01T13:00:00.000Z',
      stage: 'operator',
      traceId: 'cli',
      detail: { reasonCode: 'withdrawn' },
    });

    await p.deliver(ERASE, p.erase);

    expect(p.queue.bodiesTo(ERASE)).toEqual([]);
    expect(p.payloads.keys().filter((k) => k.includes('/r-8/'))).toEqual([]);
    expect(p.executions).toEqual([]);
  });

  it('plans again when rows changed since discovery, and goes on when the new plan changes only rows of the old one', async () => {
    const p = pipeline({ stale: 1 });
    await p.upToErase('r-9');

    await p.deliver(ERASE, p.erase);

    expect(p.eraser.replan).toHaveBeenCalledTimes(1);
    expect(p.executions).toHaveLength(2);
    expect(p.executions[1]).not.toBe(p.executions[0]);
    const replan = p.ledger.entries.find((e) => isEraseCheckpoint(e, 'replan'));
    expect(replan?.stage).toBe('erase-replan-00001');
    expect(replan?.detail?.planHash).toBe(p.executions[1]);
    expect(transitions(p, 'r-9').slice(-2)).toEqual(['erasing', 'erased']);
    expect(p.receipts.get('r-9')?.planHash).toBe(p.executions[1]);
    expect(p.database.size).toBe(0);
  });

  it('sends a plan made again that reaches rows the approved one did not back to wait, and erases it once approved', async () => {
    // Prepare: an approved plan of 13 rows; when it runs, a 13th order has appeared.
    const p = pipeline({ orders: 12, stale: 1, ordersAfterChange: 13 });
    await p.upToErase('r-10');
    await p.deliver(ERASE, p.erase);
    const approve = (planHash: string, stage: string) =>
      p.ledger.entries.push({
        requestId: 'r-10',
        state: 'approved',
        at: new Date().toISOString(),
        stage,
        traceId: 'cli',
        detail: { planHash, approver: 'ALICE' },
      });
    const first = p.ledger.entries.find((e) => e.state === 'awaiting_approval')?.detail?.planHash;
    approve(String(first), 'operator');

    // Act 1: the approved plan is stale; the new one reaches a row it did not.
    await p.deliver(ERASE, p.erase);
    const waits = p.ledger.entries.filter((e) => e.state === 'awaiting_approval');
    // Act 2: a delivery before the second approval keeps waiting; then it is approved.
    await p.deliver(ERASE, p.erase);
    const executionsBefore = p.executions.length;
    approve(String(waits[1]?.detail?.planHash), 'operator-2');
    await p.deliver(ERASE, p.erase);

    // Assess
    expect(waits.map((w) => w.stage)).toEqual(['erase', 'erase-2']);
    expect(waits[1]?.detail).toMatchObject({ rowsToChange: 14, replanned: true });
    expect(executionsBefore).toBe(1);
    expect(p.executions).toEqual([String(first), String(waits[1]?.detail?.planHash)]);
    expect(transitions(p, 'r-10').slice(-7)).toEqual([
      'awaiting_approval',
      'approved',
      'erasing',
      'awaiting_approval',
      'approved',
      'erasing',
      'erased',
    ]);
    expect(p.database.size).toBe(0);
  });

  it('scrubs every identifier known before the erasure, and every learned value not followed, from what a failure may carry', async () => {
    const p = pipeline();
    const [body] = await p.upToErase('r-11');
    p.crashNextAfterFirstTable();
    const context = recordContext(body as string);

    await expect(p.erase(body as string, context)).rejects.toThrow('the process died');

    expect([...context.scrub]).toEqual(expect.arrayContaining([EMAIL, '8808']));
  });

  it("counts PostgreSQL faults of a PostgreSQL plan towards PostgreSQL's breaker, and runs it while Snowflake's is open", async () => {
    // Prepare
    const breakers = new DependencyBreakers({
      postgres: { kind: 'consecutive', threshold: 1 },
      snowflake: { kind: 'consecutive', threshold: 1 },
    });
    await breakers
      .execute('snowflake', () =>
        Promise.reject(new SnowflakeError('Snowflake: 503', true, '390503', undefined, false)),
      )
      .catch(() => undefined);
    expect(breakers.state('snowflake')).toBe('open');
    const faults = { count: 1, fault: () => new PostgresError('connection reset', true, '08006', true) };
    const p = pipeline({ breakers, executeFaults: faults });
    await p.upToErase('r-br');
    const [body] = p.queue.bodiesTo(ERASE);
    // Act
    const failed = await p.run(p.erase, body ?? '').catch((e: unknown) => e);
    // Assess
    expect(failed).toBeInstanceOf(PostgresError);
    expect(breakers.state('postgres')).toBe('open');
    expect(breakers.state('snowflake')).toBe('open');
    // Once PostgreSQL's circuit closes again, the erasure runs: Snowflake's open circuit does not stop a plan without Snowflake tables.
    const healthy = new DependencyBreakers({ snowflake: { kind: 'consecutive', threshold: 1 } });
    await healthy
      .execute('snowflake', () =>
        Promise.reject(new SnowflakeError('Snowflake: 503', true, '390503', undefined, false)),
      )
      .catch(() => undefined);
    const q = pipeline({ breakers: healthy });
    await q.upToErase('r-br2');
    await q.deliver(ERASE, q.erase);
    expect(transitions(q, 'r-br2').at(-1)).toBe('erased');
    expect(healthy.state('postgres')).toBe('closed');
  });
});
