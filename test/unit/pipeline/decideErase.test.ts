import { describe, expect, it } from 'vitest';
import { type ErasurePlan, type PlannedTable, sealPlan } from '../../../shared/erasure/ErasurePlan';
import type { ErasureProblem } from '../../../shared/erasure/ErasureProblem';
import type { LedgerEntry } from '../../../shared/ledger/Ledger';
import type { RequestState } from '../../../shared/ledger/RequestState';
import {
  decideErase,
  decideReplan,
  erasureEnded,
  erasureProgress,
  handOnErasure,
  replannedPlanHash,
} from '../../../shared/pipeline/decideErase';
import { eraseCheckpointStage } from '../../../shared/pipeline/EraseCheckpoint';

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
const GATED = upTo('received', 'discovering', 'discovered', 'gated');

const table = (name: string, ids: number[], extra: Partial<PlannedTable> = {}): PlannedTable => ({
  system: 'postgres',
  table: name,
  action: 'delete',
  primaryKey: ['id'],
  found: ids.length,
  rows: ids.map((id) => ({ key: { id }, rowHash: String(id).padStart(64, '0') })),
  approvalRequired: false,
  ...extra,
});
const plan = (...tables: PlannedTable[]): ErasurePlan =>
  sealPlan({ version: 1, requestId: 'r-1', subject: { hash: 'h' }, findingsHash: 'f'.repeat(64), tables });

const SMALL = plan(table('public.orders', [1, 2]));
const LARGE = plan(table('public.orders', [1, 2, 3, 4]));
const policy = { maxRowsWithoutApproval: 3 };

describe('Function: decideErase', () => {
  it('erases a plan that needs no approval, entering erasing with its hash and rows', () => {
    expect(decideErase({ history: GATED, plan: SMALL, policy })).toEqual({
      action: 'erase',
      enter: { from: 'gated', detail: { planHash: SMALL.planHash, rowsToChange: 2 } },
    });
  });

  it('makes a plan above the blast radius wait, recording why', () => {
    expect(decideErase({ history: GATED, plan: LARGE, policy })).toEqual({
      action: 'await',
      enter: {
        from: 'gated',
        detail: { planHash: LARGE.planHash, rowsToChange: 4, reasons: 'BLAST_RADIUS' },
      },
    });
  });

  it('names each reason once when a plan is large and touches tables marked approval: required', () => {
    const marked = plan(
      table('public.a', [1, 2], { approvalRequired: true }),
      table('public.b', [3, 4], { approvalRequired: true }),
    );
    const decision = decideErase({ history: GATED, plan: marked, policy });
    expect(decision).toMatchObject({
      action: 'await',
      enter: { detail: { reasons: 'BLAST_RADIUS,TABLE_REQUIRES_APPROVAL' } },
    });
  });

  it('keeps a waiting plan waiting without recording anything', () => {
    const waiting = [...GATED, entry('awaiting_approval', { planHash: LARGE.planHash })];
    expect(decideErase({ history: waiting, plan: LARGE, policy })).toEqual({ action: 'await' });
  });

  it('erases a plan approved by its hash', () => {
    const approved = [
      ...GATED,
      entry('awaiting_approval', { planHash: LARGE.planHash }),
      entry('approved', { planHash: LARGE.planHash }, 'operator'),
    ];
    expect(decideErase({ history: approved, plan: LARGE, policy })).toEqual({
      action: 'erase',
      enter: { from: 'approved', detail: { planHash: LARGE.planHash, rowsToChange: 4 } },
    });
  });

  it('refuses when the approval names another plan, naming both hashes', () => {
    const approved = [
      ...GATED,
      entry('awaiting_approval', { planHash: SMALL.planHash }),
      entry('approved', { planHash: SMALL.planHash }, 'operator'),
    ];
    expect(decideErase({ history: approved, plan: LARGE, policy })).toEqual({
      action: 'refuse',
      planHash: LARGE.planHash,
      approvedPlanHash: SMALL.planHash,
    });
  });

  it('goes on erasing after a crash or a retry, without asking for approval again', () => {
    const erasing = [
      ...GATED,
      entry('awaiting_approval', { planHash: LARGE.planHash }),
      entry('approved', { planHash: LARGE.planHash }, 'operator'),
      entry('erasing', { planHash: LARGE.planHash }),
      entry('erasing', { table: 'public.customer', checkpoint: 'step' }, eraseCheckpointStage('step', 1)),
    ];
    expect(decideErase({ history: erasing, plan: LARGE, policy })).toEqual({ action: 'erase' });
    const retrying = [...erasing, entry('retrying')];
    expect(decideErase({ history: retrying, plan: LARGE, policy })).toEqual({
      action: 'erase',
      enter: { from: 'retrying', detail: { planHash: LARGE.planHash, rowsToChange: 4 } },
    });
  });

  it('does not count an approval given before the plan was made again and sent back to wait', () => {
    const history = [
      ...GATED,
      entry('awaiting_approval', { planHash: SMALL.planHash }),
      entry('approved', { planHash: SMALL.planHash }, 'operator'),
      entry('erasing', { planHash: SMALL.planHash }),
      entry('awaiting_approval', { planHash: LARGE.planHash, replanned: true }),
    ];
    expect(decideErase({ history, plan: LARGE, policy })).toEqual({ action: 'await' });
  });

  it('does nothing for a request that has ended', () => {
    for (const final of ['erased', 'erasure_unverified', 'cancelled', 'quarantined'] as const) {
      const history = [...upTo('received', 'gated'), entry(final)];
      expect(decideErase({ history, plan: SMALL, policy })).toEqual({ action: 'skip', state: final });
      expect(erasureEnded(history)).toBe(final);
    }
    expect(erasureEnded([...GATED, entry('erasing')])).toBeUndefined();
  });
});

describe('Function: decideReplan', () => {
  const problem = {
    code: 'UNMAPPED_REFERENCE',
    system: 'postgres',
    table: 'public.orders',
  } as unknown as ErasureProblem;

  it('refuses a plan made again that has problems', () => {
    expect(decideReplan({ running: SMALL, again: { plan: LARGE, problems: [problem] }, policy })).toEqual({
      action: 'refuse',
      planHash: LARGE.planHash,
      problems: [problem],
    });
  });

  it('sends a plan that reaches rows the running one did not, and needs approval, back to wait', () => {
    expect(decideReplan({ running: SMALL, again: { plan: LARGE, problems: [] }, policy })).toEqual({
      action: 'await',
      detail: { planHash: LARGE.planHash, rowsToChange: 4, reasons: 'BLAST_RADIUS', replanned: true },
    });
  });

  it('runs a plan that needs approval when it changes only rows the running (approved) one changed', () => {
    const fewer = plan(table('public.orders', [1, 2, 3, 4]));
    const running = plan(table('public.orders', [1, 2, 3, 4, 5]));
    expect(decideReplan({ running, again: { plan: fewer, problems: [] }, policy })).toEqual({
      action: 'continue',
      checkpoint: { planHash: fewer.planHash, rowsToChange: 4 },
    });
  });

  it('tells rows apart by system and table as well as key', () => {
    const elsewhere = plan(
      table('public.orders', [1, 2, 3]),
      table('public.notes', [1], { approvalRequired: true }),
    );
    const running = plan(table('public.orders', [1, 2, 3, 4]));
    expect(decideReplan({ running, again: { plan: elsewhere, problems: [] }, policy }).action).toBe('await');
  });

  it('runs a plan made again that needs no approval, even when it reaches new rows', () => {
    const other = plan(table('public.orders', [7]));
    expect(decideReplan({ running: SMALL, again: { plan: other, problems: [] }, policy })).toEqual({
      action: 'continue',
      checkpoint: { planHash: other.planHash, rowsToChange: 1 },
    });
  });
});

describe('Function: replannedPlanHash', () => {
  const CASE = 'c'.repeat(64);
  const NEW = 'd'.repeat(64);
  const NEWER = 'e'.repeat(64);

  it("runs the case's plan when nothing was planned again", () => {
    expect(replannedPlanHash([...GATED, entry('erasing', { planHash: CASE })], CASE)).toBeUndefined();
  });

  it('runs the latest plan made again, from a checkpoint or from a wait for its approval', () => {
    const replanned = [
      ...GATED,
      entry('erasing', { planHash: CASE }),
      entry('erasing', { planHash: NEW, checkpoint: 'replan' }, eraseCheckpointStage('replan', 1)),
    ];
    expect(replannedPlanHash(replanned, CASE)).toBe(NEW);
    const waitingAgain = [...replanned, entry('awaiting_approval', { planHash: NEWER, replanned: true })];
    expect(replannedPlanHash(waitingAgain, CASE)).toBe(NEWER);
  });

  it('does not take a first wait for approval (of the case plan) for a plan made again', () => {
    expect(
      replannedPlanHash([...GATED, entry('awaiting_approval', { planHash: NEW })], CASE),
    ).toBeUndefined();
  });
});

describe('Function: erasureProgress', () => {
  it('reads the steps, the copies removed and the checkpoint numbers an earlier delivery recorded', () => {
    const step = {
      system: 'postgres',
      table: 'public.orders',
      action: 'delete',
      planned: 2,
      changed: 1,
      alreadyDone: 1,
    };
    const history = [
      ...GATED,
      entry('erasing', { planHash: SMALL.planHash }),
      entry('erasing', { ...step, checkpoint: 'step' }, eraseCheckpointStage('step', 1)),
      entry(
        'erasing',
        { ...step, table: 'public.customer', checkpoint: 'step' },
        eraseCheckpointStage('step', 2),
      ),
      entry(
        'erasing',
        { earlierRequests: 2, findingRowsCleared: 5, objectsDeleted: 3, checkpoint: 'copies' },
        eraseCheckpointStage('copies', 1),
      ),
    ];
    const progress = erasureProgress(history);
    expect(progress.steps).toEqual([step, { ...step, table: 'public.customer' }]);
    expect(progress.copies).toEqual({ earlierRequests: 2, findingRowsCleared: 5, objectsDeleted: 3 });
    expect(Object.fromEntries(progress.numbers)).toEqual({ step: 2, replan: 0, copies: 1 });
  });

  it('finds nothing done in a fresh erasure', () => {
    const progress = erasureProgress([...GATED, entry('erasing', { planHash: SMALL.planHash })]);
    expect(progress.steps).toEqual([]);
    expect(progress.copies).toBeUndefined();
    expect(Object.fromEntries(progress.numbers)).toEqual({ step: 0, replan: 0, copies: 0 });
  });
});

describe('Function: handOnErasure', () => {
  const at = (remainingMs: number | undefined, unitsNow: number, longestUnitMs = 1_000) =>
    handOnErasure({ remainingMs, reserveMs: 20_000, unitsNow, longestUnitMs });

  it('hands on once a unit committed and less than the reserve is left', () => {
    expect(at(19_999, 1)).toBe(true);
    expect(at(20_000, 1)).toBe(false);
    expect(at(250_000, 7)).toBe(false);
  });

  it('keeps twice the longest unit so far when that is more than the reserve', () => {
    expect(at(50_000, 2, 30_000)).toBe(true);
    expect(at(60_000, 2, 30_000)).toBe(false);
  });

  it('never hands on before this invocation committed a unit, whatever its time: a hand-on always follows progress', () => {
    expect(at(1, 0)).toBe(false);
    expect(at(0, 0, 60_000)).toBe(false);
  });

  it('never hands on without a Lambda context', () => {
    expect(at(undefined, 5)).toBe(false);
  });
});

describe('Function: erasureProgress (batches)', () => {
  it('reads back the batch of each step checkpoint', () => {
    const history = [
      ...GATED,
      entry('erasing'),
      entry(
        'erasing',
        {
          checkpoint: 'step',
          system: 'postgres',
          table: 'public.orders',
          action: 'delete',
          planned: 2,
          changed: 2,
          alreadyDone: 0,
          batch: 2,
          batches: 3,
          batchRows: 2,
        },
        eraseCheckpointStage('step', 1),
      ),
    ];

    expect(erasureProgress(history).steps).toEqual([
      {
        system: 'postgres',
        table: 'public.orders',
        action: 'delete',
        planned: 2,
        changed: 2,
        alreadyDone: 0,
        batch: 2,
        batches: 3,
        batchRows: 2,
      },
    ]);
  });
});
