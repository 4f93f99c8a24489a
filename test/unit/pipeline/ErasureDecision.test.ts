import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../shared/ledger/Ledger';
import type { RequestState } from '../../../shared/ledger/RequestState';
import { decideErasure, ERASE_CHECKPOINT } from '../../../shared/pipeline/EraseCheckpoint';

const PLAN = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
let clock = 0;
const entry = (state: RequestState, detail?: LedgerEntry['detail'], stage = 'erase'): LedgerEntry => ({
  requestId: 'r-1',
  state,
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)).toISOString(),
  stage,
  traceId: 't',
  ...(detail ? { detail } : {}),
});
const upTo = (...states: RequestState[]) => states.map((s) => entry(s));

describe('Function: decideErasure', () => {
  it('erases a plan that needs no approval, entering erasing from gated', () => {
    expect(decideErasure(upTo('received', 'discovering', 'discovered', 'gated'), PLAN, false)).toEqual({
      action: 'erase',
      enter: true,
      last: 'gated',
    });
  });

  it('makes a plan that needs approval wait, and keeps it waiting until approved for that plan', () => {
    const gated = upTo('received', 'discovering', 'discovered', 'gated');
    expect(decideErasure(gated, PLAN, true)).toEqual({ action: 'await', enter: true, last: 'gated' });
    const waiting = [...gated, entry('awaiting_approval', { planHash: PLAN })];
    expect(decideErasure(waiting, PLAN, true)).toEqual({
      action: 'await',
      enter: false,
      last: 'awaiting_approval',
    });
    const approved = [...waiting, entry('approved', { planHash: PLAN, approver: 'ALICE' }, 'operator')];
    expect(decideErasure(approved, PLAN, true)).toEqual({ action: 'erase', enter: true, last: 'approved' });
  });

  it('refuses an approval that names another plan than the one to run', () => {
    const history = [
      ...upTo('received', 'discovering', 'discovered', 'gated'),
      entry('awaiting_approval', { planHash: OTHER }),
      entry('approved', { planHash: OTHER }, 'operator'),
    ];
    expect(decideErasure(history, PLAN, true)).toEqual({ action: 'refuse', approvedPlanHash: OTHER });
  });

  it('goes on erasing after a crash or a retry, without asking for approval again', () => {
    const erasing = [
      ...upTo('received', 'discovering', 'discovered', 'gated'),
      entry('awaiting_approval', { planHash: PLAN }),
      entry('approved', { planHash: PLAN }, 'operator'),
      entry('erasing', { planHash: PLAN }),
      entry('erasing', { table: 'public.customer' }, ERASE_CHECKPOINT.step),
    ];
    expect(decideErasure(erasing, PLAN, true)).toEqual({ action: 'erase', enter: false, last: 'erasing' });
    const retrying = [...erasing, entry('retrying')];
    expect(decideErasure(retrying, PLAN, true)).toEqual({ action: 'erase', enter: true, last: 'retrying' });
  });

  it('does not count an approval given before the plan was made again and sent back to wait', () => {
    const history = [
      ...upTo('received', 'discovering', 'discovered', 'gated'),
      entry('awaiting_approval', { planHash: PLAN }),
      entry('approved', { planHash: PLAN }, 'operator'),
      entry('erasing', { planHash: PLAN }),
      entry('awaiting_approval', { planHash: OTHER, replanned: true }),
    ];
    expect(decideErasure(history, OTHER, true)).toEqual({
      action: 'await',
      enter: false,
      last: 'awaiting_approval',
    });
  });

  it('does nothing for a request that has ended', () => {
    for (const final of ['erased', 'erasure_unverified', 'cancelled', 'quarantined'] as const)
      expect(decideErasure([...upTo('received', 'gated'), entry(final)], PLAN, false)).toEqual({
        action: 'skip',
        state: final,
      });
  });
});
