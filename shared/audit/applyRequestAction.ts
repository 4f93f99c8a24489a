import type { Ledger } from '../ledger/Ledger';
import { type ActionContext, type ActionDecision, decideRequestAction } from './decideRequestAction';
import type { RequestAction } from './RequestAction';

/**
 * Reads the request's ledger, decides the action ({@link decideRequestAction}) and appends its
 * entry when it is recorded. Returns the decision; a refusal appends nothing.
 */
export async function applyRequestAction(
  ledger: Ledger,
  action: RequestAction,
  context: ActionContext,
): Promise<ActionDecision> {
  const history = await ledger.history(action.requestId);
  const decision = decideRequestAction(history, action, context);
  if (decision.outcome === 'record') await ledger.append(decision.entry);
  return decision;
}
