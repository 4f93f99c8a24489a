import { describe, expect, it } from 'vitest';
import { applyApproval } from '../../../shared/audit/applyApproval';
import { approvalOfPlan, decideApproval } from '../../../shared/audit/approval';
import type { LedgerEntry } from '../../../shared/ledger/Ledger';
import type { RequestState } from '../../../shared/ledger/RequestState';
import { InMemoryLedger } from '../../support/InMemoryLedger';

const NOW = new Date('2026-03-05T10:00:00.000Z');
const PLAN_A = 'a'.repeat(64);
const PLAN_B = 'b'.repeat(64);
const APPROVER = { user: 'PRIVACY_OFFICER', role: 'DSR_APPROVER' };

let minute = 0;
function entry(state: RequestState, stage: string, detail?: LedgerEntry['detail']): LedgerEntry {
  minute++;
  return {
    requestId: 'REQ-1',
    state,
    stage,
    at: new Date(Date.UTC(2026, 2, 1, 9, minute)).toISOString(),
    traceId: 't',
    ...(detail ? { detail } : {}),
  };
}

const untilGate = (): LedgerEntry[] => [
  entry('received', 'extract-standard', { subjectHash: 'f0'.repeat(32), type: 'erasure' }),
  entry('discovering', 'extract-standard'),
  entry('discovered', 'extract-standard'),
  entry('gated', 'gate'),
];
const waiting = (planHash: string, stage = 'erase'): LedgerEntry =>
  entry('awaiting_approval', stage, { planHash, rowsToChange: 12_000, reasons: 'rows_above_limit' });

const context = { requestId: 'REQ-1', approver: APPROVER, now: NOW, traceId: 'cli-1' };

describe('Function: decideApproval', () => {
  it('approves a waiting plan, binding the approval to its plan hash and the session identity', () => {
    // Act
    const decision = decideApproval([...untilGate(), waiting(PLAN_A)], context);

    // Assess
    expect(decision).toEqual({
      outcome: 'approve',
      entry: {
        requestId: 'REQ-1',
        state: 'approved',
        stage: 'operator',
        at: NOW.toISOString(),
        traceId: 'cli-1',
        detail: { approver: 'PRIVACY_OFFICER', approverRole: 'DSR_APPROVER', planHash: PLAN_A },
      },
    });
  });

  it("records only the note's SHA-256", () => {
    const decision = decideApproval([...untilGate(), waiting(PLAN_A)], {
      ...context,
      noteSha256: 'c'.repeat(64),
    });
    expect(decision.outcome === 'approve' && decision.entry.detail).toMatchObject({
      noteSha256: 'c'.repeat(64),
    });
  });

  it('copies the latest plan hash when the plan was made again and waits a second time, under its own stage', () => {
    // Prepare: approved once, erasing found changed rows, a new plan waits.
    const history = [
      ...untilGate(),
      waiting(PLAN_A),
      entry('approved', 'operator', { approver: 'X', approverRole: 'R', planHash: PLAN_A }),
      entry('erasing', 'erase'),
      waiting(PLAN_B, 'erase-replan-2'),
    ];

    // Act
    const decision = decideApproval(history, context);

    // Assess
    expect(decision.outcome).toBe('approve');
    if (decision.outcome !== 'approve') return;
    expect(decision.entry.detail?.planHash).toBe(PLAN_B);
    expect(decision.entry.stage).toBe('operator-2');
  });

  it('looks past annotations (an extension) for the last state', () => {
    const history = [
      ...untilGate(),
      waiting(PLAN_A),
      entry('extended', 'operator', { reasonCode: 'complexity' }),
    ];
    expect(decideApproval(history, context).outcome).toBe('approve');
  });

  it.each<[string, LedgerEntry[], string]>([
    ['an unknown request', [], 'unknown_request'],
    ['a request still being discovered', untilGate().slice(0, 2), 'not_awaiting_approval'],
    ['a request already erasing', [...untilGate(), entry('erasing', 'erase')], 'not_awaiting_approval'],
    [
      'a request approved already',
      [...untilGate(), waiting(PLAN_A), entry('approved', 'operator', { approver: 'X', planHash: PLAN_A })],
      'already_approved',
    ],
    ['a cancelled request', [...untilGate(), waiting(PLAN_A), entry('cancelled', 'operator')], 'ended'],
    ['an erased request', [...untilGate(), entry('erasing', 'erase'), entry('erased', 'erase')], 'ended'],
    ['a loaded access request', [...untilGate(), entry('loading', 'load'), entry('loaded', 'load')], 'ended'],
    [
      'a waiting entry without a plan hash',
      [...untilGate(), entry('awaiting_approval', 'erase', { rowsToChange: 3 })],
      'not_awaiting_approval',
    ],
    [
      'a request retrying after it waited (approved is reachable only from awaiting_approval)',
      [...untilGate(), waiting(PLAN_A), entry('retrying', 'erase')],
      'not_awaiting_approval',
    ],
  ])('refuses %s', (_name, history, refusal) => {
    const decision = decideApproval(history, context);
    expect(decision).toMatchObject({ outcome: 'refuse', refusal });
    // The message names the request and states, never an approver's note.
    if (decision.outcome === 'refuse') expect(decision.message).toContain('REQ-1');
  });
});

describe('Function: approvalOfPlan', () => {
  const approved = (planHash: string) =>
    entry('approved', 'operator', { planHash, approver: 'PRIVACY_OFFICER' });

  it('finds no approval in a ledger that holds none', () => {
    expect(approvalOfPlan([...untilGate(), waiting(PLAN_A)], PLAN_A)).toEqual({
      approved: false,
      approvedPlanHash: '',
    });
  });

  it('counts an approval for the plan whose hash it names, and only that plan', () => {
    const history = [...untilGate(), waiting(PLAN_A), approved(PLAN_A)];
    expect(approvalOfPlan(history, PLAN_A)).toEqual({ approved: true, approvedPlanHash: PLAN_A });
    expect(approvalOfPlan(history, PLAN_B)).toEqual({ approved: false, approvedPlanHash: PLAN_A });
  });

  it('spends an approval once a plan made again waits after it, even for the same hash', () => {
    const history = [
      ...untilGate(),
      waiting(PLAN_A),
      approved(PLAN_A),
      entry('erasing', 'erase'),
      waiting(PLAN_A),
    ];
    expect(approvalOfPlan(history, PLAN_A).approved).toBe(false);
    expect(approvalOfPlan([...history, approved(PLAN_A)], PLAN_A).approved).toBe(true);
  });
});

describe('Function: applyApproval', () => {
  it('appends the approval and reads back the entry the ledger holds', async () => {
    // Prepare
    const ledger = new InMemoryLedger();
    await ledger.appendAll([...untilGate(), waiting(PLAN_A)]);

    // Act
    const applied = await applyApproval(ledger, async () => APPROVER, {
      requestId: 'REQ-1',
      now: NOW,
      traceId: 'cli-1',
    });

    // Assess
    expect(applied.outcome).toBe('approve');
    expect(ledger.states('REQ-1').at(-1)).toBe('approved');
    if (applied.outcome === 'approve') expect(applied.recorded.detail?.approver).toBe('PRIVACY_OFFICER');
  });

  it('appends nothing when refused', async () => {
    const ledger = new InMemoryLedger();
    await ledger.appendAll(untilGate());
    const applied = await applyApproval(ledger, async () => APPROVER, {
      requestId: 'REQ-1',
      now: NOW,
      traceId: 't',
    });
    expect(applied).toMatchObject({ outcome: 'refuse', refusal: 'not_awaiting_approval' });
    expect(ledger.entries).toHaveLength(4);
  });
});
