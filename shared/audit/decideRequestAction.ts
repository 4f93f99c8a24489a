import type { HolidayList } from '../intake/addPeriod';
import { addPeriod } from '../intake/addPeriod';
import { DEFAULT_DEADLINE_RULES, type DeadlineRule } from '../intake/computeDeadline';
import type { LedgerEntry } from '../ledger/Ledger';
import { canTransition, FINAL_STATES, lifecycleOf, type RequestState } from '../ledger/RequestState';
import type { RequestAction } from './RequestAction';
import { extendedDeadline, requestClock } from './requestClock';

/** Why an action was refused: a code, with a sentence for the operator. */
export type ActionRefusal =
  | 'unknown_request'
  | 'request_ended'
  | 'no_extension_in_jurisdiction'
  | 'extension_too_late'
  | 'extension_repeated'
  | 'unknown_jurisdiction';

/** What an action does: the entry to append, or a refusal. Outcomes are values. */
export type ActionDecision =
  | { readonly outcome: 'record'; readonly entry: LedgerEntry }
  | { readonly outcome: 'refuse'; readonly refusal: ActionRefusal; readonly message: string };

export interface ActionContext {
  readonly now: Date;
  readonly stage: string;
  readonly traceId: string;
  readonly rules?: Readonly<Record<string, DeadlineRule>>;
  readonly holidays?: HolidayList;
}

/**
 * Decides an extension or a cancellation from the request's ledger.
 *
 * - extend: the request must have been received here, not ended, its jurisdiction must allow an
 *   extension, fewer than `max` recorded, and the notice window (from receipt) not passed at `now`.
 *   The entry (`extended`) carries the previous and the new deadline and the reason code.
 * - cancel: any request not already ended. A request id the ledger does not know yet is cancelled
 *   all the same: its extractor's entries reach the ledger only at the gate, and the gate then
 *   stops it. A cancelled request is final: no stage does further work on it.
 */
export function decideRequestAction(
  history: readonly LedgerEntry[],
  action: RequestAction,
  context: ActionContext,
): ActionDecision {
  const refuse = (refusal: ActionRefusal, message: string): ActionDecision => ({
    outcome: 'refuse',
    refusal,
    message,
  });
  const ended = history.find((e) => FINAL_STATES.has(e.state))?.state;
  if (ended) return refuse('request_ended', `request ${action.requestId} has ended (${ended})`);
  const reason = {
    reasonCode: action.reasonCode,
    ...(action.reasonTextHash ? { reasonTextHash: action.reasonTextHash } : {}),
  };
  const entry = (state: RequestState, detail: LedgerEntry['detail']): ActionDecision => ({
    outcome: 'record',
    entry: {
      requestId: action.requestId,
      state,
      at: context.now.toISOString(),
      stage: context.stage,
      traceId: context.traceId,
      ...(detail ? { detail } : {}),
    },
  });

  if (action.action === 'cancel') {
    const last = lifecycleOf(history).at(-1)?.state;
    if (last !== undefined && !canTransition(last, 'cancelled'))
      return refuse('request_ended', `request ${action.requestId} cannot be cancelled from ${last}`);
    return entry('cancelled', { ...reason, ...(last === undefined ? { knownAtCancel: false } : {}) });
  }

  const rules = context.rules ?? DEFAULT_DEADLINE_RULES;
  const clock = requestClock(history, rules, context.holidays);
  if (!clock) return refuse('unknown_request', `request ${action.requestId} is not in the ledger`);
  const rule = clock.rule;
  if (!rule) return refuse('unknown_jurisdiction', `no rule for jurisdiction ${clock.jurisdiction}`);
  const extension = rule.extension;
  if (!extension || extension.max < 1)
    return refuse('no_extension_in_jurisdiction', `${rule.citation} allows no extension`);
  if (clock.extensions.length >= extension.max)
    return refuse(
      'extension_repeated',
      `request ${action.requestId} was extended already (${clock.extensions.length} of at most ${extension.max})`,
    );
  const noticeBy = addPeriod(clock.receivedAt, extension.noticeWithin, context.holidays);
  if (context.now.getTime() > noticeBy.getTime())
    return refuse(
      'extension_too_late',
      `an extension under ${rule.citation} must be notified by ${noticeBy.toISOString()}; it is ${context.now.toISOString()}`,
    );
  const received = history.find((e) => e.state === 'received');
  const computed = received?.detail?.deadlineComputed === true;
  const deadline = extendedDeadline(clock, rule, computed);
  if (!deadline) return refuse('no_extension_in_jurisdiction', `${rule.citation} allows no extension`);
  return entry('extended', {
    ...reason,
    previousDeadline: clock.deadline.toISOString(),
    deadline: deadline.toISOString(),
    extension: clock.extensions.length + 1,
  });
}
