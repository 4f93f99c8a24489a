import { addPeriod, type HolidayList } from './addPeriod';
import { JURISDICTION_RULES, type JurisdictionRule } from './jurisdictions';
import { MalformedRequestError } from './MalformedRequestError';

/** The statutory clock a request's deadline is computed from (see `jurisdictions.ts`). */
export type DeadlineRule = JurisdictionRule;

/** The rules used when none are configured: every shipped jurisdiction. */
export const DEFAULT_DEADLINE_RULES: Readonly<Record<string, DeadlineRule>> = JURISDICTION_RULES;

/** The rule for a jurisdiction, or undefined when none is configured. */
export function ruleFor(
  jurisdiction: string,
  rules: Readonly<Record<string, DeadlineRule>> = DEFAULT_DEADLINE_RULES,
): DeadlineRule | undefined {
  return Object.hasOwn(rules, jurisdiction) ? rules[jurisdiction] : undefined;
}

/**
 * The response deadline for a jurisdiction, or a {@link MalformedRequestError}
 * (`unknown_jurisdiction`) when no rule is configured for it: a request whose deadline cannot be
 * known is refused, not guessed. Extensions are not applied here: they are ledger entries.
 */
export function computeDeadline(
  receivedAt: Date,
  jurisdiction: string,
  rules: Readonly<Record<string, DeadlineRule>> = DEFAULT_DEADLINE_RULES,
): Date {
  const rule = ruleFor(jurisdiction, rules);
  if (!rule) {
    throw new MalformedRequestError(
      'unknown_jurisdiction',
      `no deadline rule for jurisdiction ${jurisdiction} and no deadline given; known: ${Object.keys(rules).join(', ')}`,
    );
  }
  return addPeriod(receivedAt, rule.response);
}

/** The latest acknowledgement, where the jurisdiction asks for one (CCPA: 10 business days). */
export function computeAcknowledgementDeadline(
  receivedAt: Date,
  rule: DeadlineRule,
  holidays?: HolidayList,
): Date | undefined {
  return rule.acknowledgement ? addPeriod(receivedAt, rule.acknowledgement, holidays) : undefined;
}
