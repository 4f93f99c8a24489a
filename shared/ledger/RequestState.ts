import { DsrError } from '../errors/DsrError';

/** Every state a request passes through, in the ledger. */
export const REQUEST_STATES = [
  'received',
  'discovering',
  'discovered',
  'gated',
  'loading',
  'loaded',
  'retrying',
  'dead_lettered',
  'quarantined',
  /** Ended on request (identity not verified, withdrawn, manifestly unfounded): final. */
  'cancelled',
  /** The deadline was extended: an annotation, not a step of the lifecycle (see {@link ANNOTATION_STATES}). */
  'extended',
  /** An erasure plan above the blast radius (or touching a table marked `approval: required`) waits for `dsr approve`. */
  'awaiting_approval',
  /** An operator approved the waiting plan (who, in the entry's detail). */
  'approved',
  /** The erase stage is changing the source systems; checkpoints per step carry this state too. */
  'erasing',
  /** Erased, and the proof found nothing findable left: final. */
  'erased',
  /** Erased, but the proof still found the subject somewhere (pages): final. */
  'erasure_unverified',
  /**
   * The row values this request's evidence held were removed by a later erasure of the same
   * subject: an annotation on the earlier request (see {@link ANNOTATION_STATES}).
   */
  'values_erased',
  /**
   * The completion event of a terminal state was published (detail: its `eventId` and `state`): an
   * annotation, so a retry that finds the terminal state without it publishes the event again.
   */
  'completion_published',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

/**
 * States a request ends in. `loaded` and `quarantined` are final; `dead_lettered` is final unless an
 * operator redrives the dead-letter queue, which resumes the request at the stage that failed.
 */
export const TERMINAL_STATES: ReadonlySet<RequestState> = new Set([
  'loaded',
  'dead_lettered',
  'quarantined',
  'cancelled',
  'erased',
  'erasure_unverified',
]);
export const FINAL_STATES: ReadonlySet<RequestState> = new Set([
  'loaded',
  'quarantined',
  'cancelled',
  'erased',
  'erasure_unverified',
]);

/**
 * Entries that record a fact about the request without moving it (an extension of its deadline):
 * they are skipped when the last state is looked for, and no transition leads to or from them.
 */
export const ANNOTATION_STATES: ReadonlySet<RequestState> = new Set([
  'extended',
  'values_erased',
  'completion_published',
]);

/** The entries that make up the lifecycle, without annotations, in the order given. */
export function lifecycleOf<E extends { readonly state: string }>(history: readonly E[]): E[] {
  return history.filter((e) => !ANNOTATION_STATES.has(e.state as RequestState));
}

/** Where a redriven request may resume. */
const RESUME: readonly RequestState[] = [
  'received',
  'discovering',
  'gated',
  'loading',
  'awaiting_approval',
  'erasing',
];

/** The allowed transitions: the only place they are defined. */
export const TRANSITIONS: Readonly<Record<RequestState, readonly RequestState[]>> = {
  received: ['discovering', 'retrying', 'dead_lettered', 'cancelled'],
  discovering: ['discovered', 'retrying', 'dead_lettered', 'cancelled'],
  discovered: ['gated', 'quarantined', 'retrying', 'dead_lettered', 'cancelled'],
  // A hand-off that fails its integrity check at the load (or erase) stage is quarantined there.
  // An erasure request goes from the gate to the erase stage, which may make it wait for approval.
  gated: ['loading', 'awaiting_approval', 'erasing', 'quarantined', 'retrying', 'dead_lettered', 'cancelled'],
  loading: ['loaded', 'quarantined', 'retrying', 'dead_lettered', 'cancelled'],
  awaiting_approval: ['approved', 'quarantined', 'retrying', 'dead_lettered', 'cancelled'],
  approved: ['erasing', 'quarantined', 'retrying', 'dead_lettered', 'cancelled'],
  // A plan re-made because rows changed may need approval again.
  erasing: [
    'erased',
    'erasure_unverified',
    'awaiting_approval',
    'quarantined',
    'retrying',
    'dead_lettered',
    'cancelled',
  ],
  retrying: [
    'discovering',
    'gated',
    'quarantined',
    'loading',
    'awaiting_approval',
    'erasing',
    'retrying',
    'dead_lettered',
    'cancelled',
  ],
  dead_lettered: [...RESUME, 'cancelled'],
  loaded: [],
  quarantined: [],
  cancelled: [],
  erased: [],
  erasure_unverified: [],
  extended: [],
  values_erased: [],
  completion_published: [],
};

/** Order of the states that mark progress; `retrying` and terminal states are not progress. */
export const PROGRESS_RANK: Readonly<Partial<Record<RequestState, number>>> = {
  received: 0,
  discovering: 1,
  discovered: 2,
  gated: 3,
  loading: 4,
  loaded: 5,
  // The erasure path, beside the load path (a request takes one of them, by its type).
  awaiting_approval: 3.25,
  approved: 3.5,
  erasing: 4,
  erased: 5,
};

/** A transition the state machine does not allow. Permanent: the ledger and the message disagree. */
export class IllegalTransitionError extends DsrError {
  readonly retryable = false;
  readonly code = 'ILLEGAL_TRANSITION';
  constructor(
    readonly from: RequestState | undefined,
    readonly to: RequestState,
  ) {
    super(`illegal transition ${from ?? '(none)'} → ${to}`);
  }
}

/** Whether `from → to` is allowed; a request with no history may only be `received`. */
export function canTransition(from: RequestState | undefined, to: RequestState): boolean {
  if (from === undefined) return to === 'received';
  return TRANSITIONS[from].includes(to);
}

/** Throws {@link IllegalTransitionError} unless `from → to` is allowed. */
export function assertTransition(from: RequestState | undefined, to: RequestState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

export function isTerminal(state: RequestState): boolean {
  return TERMINAL_STATES.has(state);
}
