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
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

/**
 * States a request ends in. `loaded` and `quarantined` are final; `dead_lettered` is final unless an
 * operator redrives the dead-letter queue, which resumes the request at the stage that failed.
 */
export const TERMINAL_STATES: ReadonlySet<RequestState> = new Set(['loaded', 'dead_lettered', 'quarantined']);
export const FINAL_STATES: ReadonlySet<RequestState> = new Set(['loaded', 'quarantined']);

/** Where a redriven request may resume. */
const RESUME: readonly RequestState[] = ['received', 'discovering', 'gated', 'loading'];

/** The allowed transitions: the only place they are defined. */
export const TRANSITIONS: Readonly<Record<RequestState, readonly RequestState[]>> = {
  received: ['discovering', 'retrying', 'dead_lettered'],
  discovering: ['discovered', 'retrying', 'dead_lettered'],
  discovered: ['gated', 'quarantined', 'retrying', 'dead_lettered'],
  // A hand-off that fails its integrity check at the load stage is quarantined there.
  gated: ['loading', 'quarantined', 'retrying', 'dead_lettered'],
  loading: ['loaded', 'quarantined', 'retrying', 'dead_lettered'],
  retrying: ['discovering', 'gated', 'quarantined', 'loading', 'retrying', 'dead_lettered'],
  dead_lettered: RESUME,
  loaded: [],
  quarantined: [],
};

/** Order of the states that mark progress; `retrying` and terminal states are not progress. */
export const PROGRESS_RANK: Readonly<Partial<Record<RequestState, number>>> = {
  received: 0,
  discovering: 1,
  discovered: 2,
  gated: 3,
  loading: 4,
  loaded: 5,
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
