import type { LedgerEntry } from '../ledger/Ledger';
import { FINAL_STATES, lifecycleOf, type RequestState } from '../ledger/RequestState';
import { decideEntry } from './RequestLedger';

/**
 * Load checkpoints: progress within `loading`, recorded in the ledger as one entry per part loaded,
 * so that a retry, a redelivery after a Lambda timeout or a redrive continues after the last part
 * that landed instead of starting again.
 *
 * A checkpoint is a ledger entry in state `loading` whose stage is the loader's stage with the part
 * number (`load-part-00003`): the ledger keeps one entry per (request, state, stage), so each part
 * has its own, and writing one twice keeps the first. Its detail names the part, the part's
 * SHA-256 and the hand-off it belongs to (`handOff`: the manifest's SHA-256), so a checkpoint of
 * other findings for the same request never counts. Checkpoints are not transitions: the state
 * machine is decided on the history without them ({@link withoutPartCheckpoints}).
 */
export const CHECKPOINT_KIND = 'part';

/** The stage name of part `number`'s checkpoint (1-based). */
export function partCheckpointStage(stage: string, number: number): string {
  return `${stage}-part-${String(number).padStart(5, '0')}`;
}

/** Whether an entry is a part checkpoint rather than a transition. */
export function isPartCheckpoint(entry: Pick<LedgerEntry, 'state' | 'detail'>): boolean {
  return entry.state === 'loading' && entry.detail?.checkpoint === CHECKPOINT_KIND;
}

/** The history with the part checkpoints left out: the transitions only. */
export function withoutPartCheckpoints<E extends Pick<LedgerEntry, 'state' | 'detail'>>(
  history: readonly E[],
): E[] {
  return history.filter((e) => !isPartCheckpoint(e));
}

/** The checkpoint entry's detail for part `number` (1-based) of a hand-off. */
export function checkpointDetail(
  handOff: string,
  number: number,
  of: number,
  part: { readonly sha256: string; readonly rows: number },
): Readonly<Record<string, string | number>> {
  return {
    checkpoint: CHECKPOINT_KIND,
    handOff,
    part: number,
    parts: of,
    partSha256: part.sha256,
    rows: part.rows,
  };
}

/**
 * Parts (0-based indexes) the ledger shows loaded for this hand-off: a checkpoint counts only when
 * it names this hand-off and the SHA-256 the part has now.
 */
export function partsLoaded(
  history: readonly Pick<LedgerEntry, 'state' | 'detail'>[],
  handOff: string,
  parts: readonly { readonly sha256: string }[],
): Set<number> {
  const done = new Set<number>();
  for (const entry of history) {
    if (!isPartCheckpoint(entry) || entry.detail?.handOff !== handOff) continue;
    const index = Number(entry.detail?.part) - 1;
    if (parts[index]?.sha256 === entry.detail?.partSha256) done.add(index);
  }
  return done;
}

/**
 * What the load stage does with a delivery, decided from the ledger: a load started before (the
 * last transition is `loading`: the previous invocation ran out of time, crashed, or handed the
 * rest on) resumes; a new one, or one after `retrying` or a redrive, starts (`loading` is
 * appended); a request already loaded or quarantined is skipped.
 */
export type LoadDecision =
  | { readonly action: 'skip'; readonly state: RequestState }
  | { readonly action: 'start'; readonly last: RequestState | undefined }
  | { readonly action: 'resume' };

export function decideLoad(history: readonly LedgerEntry[]): LoadDecision {
  // Annotations (an extension) and part checkpoints are not transitions.
  const transitions = withoutPartCheckpoints(lifecycleOf(history));
  const final = transitions.find((e) => FINAL_STATES.has(e.state))?.state;
  if (final !== undefined) return { action: 'skip', state: final };
  if (transitions.at(-1)?.state === 'loading') return { action: 'resume' };
  const decision = decideEntry(transitions, 'loading', 'loaded');
  if (decision.action === 'proceed') return { action: 'start', last: decision.last };
  return { action: 'skip', state: decision.action === 'skip' ? decision.state : 'loaded' };
}

/**
 * The hand-off the stage verified whole when it began loading: the `handOff` its `loading` entry
 * recorded. A later invocation with the same hand-off reads the manifest and checks each part
 * against its SHA-256 as it loads it, without reading every part first again.
 */
export function verifiedHandOff(history: readonly LedgerEntry[], stage: string): string | undefined {
  const started = history.find((e) => e.state === 'loading' && e.stage === stage && !isPartCheckpoint(e));
  const handOff = started?.detail?.handOff;
  return typeof handOff === 'string' ? handOff : undefined;
}
