import type { Ledger, LedgerEntry } from '../ledger/Ledger';
import {
  assertTransition,
  canTransition,
  FINAL_STATES,
  IllegalTransitionError,
  lifecycleOf,
  PROGRESS_RANK,
  type RequestState,
} from '../ledger/RequestState';

/** What a stage does with a delivery, decided from the ledger. */
export type EntryDecision =
  /** The request is already past this stage (or final): acknowledge without redoing anything. */
  | { readonly action: 'skip'; readonly state: RequestState }
  /** This stage finished but may not have handed on: hand on again, without new ledger entries. */
  | { readonly action: 'handoff' }
  /** Do the stage's work. */
  | { readonly action: 'proceed'; readonly last: RequestState | undefined };

/**
 * Decides how a stage treats a delivery, so a duplicate changes nothing. `work` is the state the
 * stage moves to first and `done` the one it ends in.
 */
export function decideEntry(
  entries: readonly LedgerEntry[],
  work: RequestState,
  done: RequestState,
): EntryDecision {
  // Annotations (an extension) do not move the request.
  const history = lifecycleOf(entries);
  const last = history.at(-1)?.state;
  // Final states are final: whatever was recorded after one (a late duplicate) changes nothing.
  const final = history.find((e) => FINAL_STATES.has(e.state))?.state;
  if (final !== undefined) return { action: 'skip', state: final };
  const progress = [...history].reverse().find((e) => PROGRESS_RANK[e.state] !== undefined)?.state;
  const doneRank = PROGRESS_RANK[done] ?? Number.POSITIVE_INFINITY;
  if (progress !== undefined && (PROGRESS_RANK[progress] ?? -1) > doneRank) {
    return { action: 'skip', state: progress };
  }
  if (progress === done && last !== 'dead_lettered' && last !== 'retrying') return { action: 'handoff' };
  if (canTransition(last, work)) return { action: 'proceed', last };
  throw new IllegalTransitionError(last, work);
}

/** Appends checked transitions for one request, stamped with the stage, trace id and clock. */
export class RequestLedger {
  constructor(
    private readonly ledger: Ledger,
    private readonly stage: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  history(requestId: string): Promise<readonly LedgerEntry[]> {
    return this.ledger.history(requestId);
  }

  /** Appends `to` after checking `from → to`; returns `to`. */
  async transition(
    requestId: string,
    traceId: string,
    from: RequestState | undefined,
    to: RequestState,
    detail?: LedgerEntry['detail'],
  ): Promise<RequestState> {
    assertTransition(from, to);
    await this.ledger.append({
      requestId,
      state: to,
      at: this.now().toISOString(),
      stage: this.stage,
      traceId,
      ...(detail ? { detail } : {}),
    });
    return to;
  }

  /**
   * Appends `to` after checking `from → to`, like {@link transition}; when this stage entered `to`
   * for the request before, under a numbered stage (`erase-2`, `erase-3`…). The ledger keeps one
   * entry per (request, state, stage), so a state entered again (after a retry, for a plan made
   * again) would otherwise leave no entry.
   */
  async transitionAgain(
    requestId: string,
    traceId: string,
    from: RequestState | undefined,
    to: RequestState,
    detail?: LedgerEntry['detail'],
  ): Promise<RequestState> {
    assertTransition(from, to);
    const taken = new Set(
      (await this.ledger.history(requestId)).filter((e) => e.state === to).map((e) => e.stage),
    );
    let stage = this.stage;
    for (let n = 2; taken.has(stage); n++) stage = `${this.stage}-${n}`;
    await this.ledger.append({
      requestId,
      state: to,
      at: this.now().toISOString(),
      stage,
      traceId,
      ...(detail ? { detail } : {}),
    });
    return to;
  }

  /** Appends `to` only if the latest state allows it; for the failure paths, which must not throw. */
  async transitionIfAllowed(
    requestId: string,
    traceId: string,
    to: RequestState,
    detail?: LedgerEntry['detail'],
  ): Promise<boolean> {
    const last = lifecycleOf(await this.ledger.history(requestId)).at(-1)?.state;
    if (last === undefined || !canTransition(last, to)) return false;
    await this.transition(requestId, traceId, last, to, detail);
    return true;
  }
}
