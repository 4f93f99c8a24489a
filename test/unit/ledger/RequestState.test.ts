import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../shared/ledger/Ledger';
import {
  assertTransition,
  canTransition,
  IllegalTransitionError,
  isTerminal,
  REQUEST_STATES,
  type RequestState,
  TRANSITIONS,
} from '../../../shared/ledger/RequestState';
import { decideEntry } from '../../../shared/pipeline/RequestLedger';

const entries = (...states: RequestState[]): LedgerEntry[] =>
  states.map((state) => ({ requestId: 'r', state, at: '', stage: 's', traceId: 't' }));

describe('Module: RequestState', () => {
  it('allows the happy path and refuses skipping a stage', () => {
    const path: RequestState[] = ['received', 'discovering', 'discovered', 'gated', 'loading', 'loaded'];
    let from: RequestState | undefined;
    for (const to of path) {
      expect(() => assertTransition(from, to)).not.toThrow();
      from = to;
    }
    expect(() => assertTransition('discovered', 'loading')).toThrow(IllegalTransitionError);
    expect(() => assertTransition(undefined, 'discovering')).toThrow(IllegalTransitionError);
  });

  it('has no way out of loaded, quarantined, cancelled, erased or erasure_unverified; dead_lettered resumes only through redrive or is cancelled', () => {
    for (const to of REQUEST_STATES) {
      for (const final of ['loaded', 'quarantined', 'cancelled', 'erased', 'erasure_unverified'] as const)
        expect(canTransition(final, to)).toBe(false);
    }
    expect(TRANSITIONS.dead_lettered).toEqual([
      'received',
      'discovering',
      'gated',
      'loading',
      'awaiting_approval',
      'erasing',
      'cancelled',
    ]);
    for (const from of [
      'received',
      'discovering',
      'discovered',
      'gated',
      'loading',
      'retrying',
      'awaiting_approval',
      'approved',
      'erasing',
    ] as const)
      expect(canTransition(from, 'cancelled')).toBe(true);
    for (const annotation of ['extended', 'values_erased'] as const)
      expect(REQUEST_STATES.some((s) => canTransition(s, annotation))).toBe(false);
    expect(
      ['loaded', 'dead_lettered', 'quarantined', 'cancelled', 'erased', 'erasure_unverified'].every((s) =>
        isTerminal(s as RequestState),
      ),
    ).toBe(true);
  });

  it('lets an erasure reach erased only through erasing, and erasing only from gated, approved or a retry', () => {
    const into = (to: RequestState) => REQUEST_STATES.filter((s) => canTransition(s, to));
    expect(into('erased')).toEqual(['erasing']);
    expect(into('erasure_unverified')).toEqual(['erasing']);
    expect(into('erasing').sort()).toEqual(['approved', 'dead_lettered', 'gated', 'retrying']);
    expect(into('approved')).toEqual(['awaiting_approval']);
    expect(canTransition('awaiting_approval', 'erasing')).toBe(false);
  });

  it('throws a typed, permanent error naming both states', () => {
    try {
      assertTransition('loaded', 'loading');
    } catch (error) {
      expect(error).toBeInstanceOf(IllegalTransitionError);
      expect((error as IllegalTransitionError).retryable).toBe(false);
      expect((error as Error).message).toBe('illegal transition loaded → loading');
    }
  });
});

describe('Function: decideEntry', () => {
  it('skips a request that reached a final state, whatever was recorded after it', () => {
    const history = entries(
      'received',
      'discovering',
      'discovered',
      'gated',
      'loading',
      'loaded',
      'received',
      'discovered',
    );
    expect(decideEntry(history, 'gated', 'gated')).toEqual({ action: 'skip', state: 'loaded' });
  });

  it('skips a request already past the stage or final', () => {
    expect(
      decideEntry(entries('received', 'discovering', 'discovered', 'gated'), 'discovering', 'discovered'),
    ).toEqual({
      action: 'skip',
      state: 'gated',
    });
    expect(
      decideEntry(entries('received', 'discovering', 'discovered', 'quarantined'), 'gated', 'gated'),
    ).toEqual({
      action: 'skip',
      state: 'quarantined',
    });
  });

  it('hands on again when the stage finished, and proceeds after a retry or redrive', () => {
    expect(
      decideEntry(entries('received', 'discovering', 'discovered'), 'discovering', 'discovered'),
    ).toEqual({
      action: 'handoff',
    });
    expect(decideEntry(entries('received', 'discovering', 'retrying'), 'discovering', 'discovered')).toEqual({
      action: 'proceed',
      last: 'retrying',
    });
    expect(
      decideEntry(
        entries('received', 'discovering', 'discovered', 'retrying', 'dead_lettered'),
        'gated',
        'gated',
      ),
    ).toEqual({ action: 'proceed', last: 'dead_lettered' });
  });

  it('refuses a stage message the ledger has not reached', () => {
    expect(() => decideEntry(entries('received'), 'loading', 'loaded')).toThrow(IllegalTransitionError);
  });
});
