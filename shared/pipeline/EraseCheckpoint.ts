/**
 * The erase stage's checkpoints: `erasing` entries that are not transitions. Each is written with a
 * stage of its own, numbered (`erase-step-00001`…), because the ledger keeps one entry per (request,
 * state, stage); its detail's `checkpoint` names its kind.
 */
export const ERASE_CHECKPOINT = {
  /** A table's step committed: `{system, table, action, planned, changed, alreadyDone}`. */
  step: 'erase-step',
  /** A plan made again because rows changed: `{planHash, rowsToChange}`. */
  replan: 'erase-replan',
  /** dsr-bridge's own earlier copies removed: `{earlierRequests, findingRowsCleared, objectsDeleted}`. */
  copies: 'erase-copies',
} as const;
export type EraseCheckpointKind = keyof typeof ERASE_CHECKPOINT;

/** The stage name of checkpoint `number` (1-based) of a kind. */
export function eraseCheckpointStage(kind: EraseCheckpointKind, number: number): string {
  return `${ERASE_CHECKPOINT[kind]}-${String(number).padStart(5, '0')}`;
}

/** Whether an entry is an erase checkpoint (of `kind`, when given) rather than a transition. */
export function isEraseCheckpoint(
  entry: { readonly state: string; readonly detail?: Readonly<Record<string, unknown>> | null },
  kind?: EraseCheckpointKind,
): boolean {
  return (
    entry.state === 'erasing' &&
    typeof entry.detail?.checkpoint === 'string' &&
    (kind === undefined || entry.detail?.checkpoint === kind)
  );
}
