import { MalformedRequestError } from './MalformedRequestError';

/** How a jurisdiction's response deadline is counted from receipt. */
export type DeadlineRule =
  | { readonly kind: 'calendarMonths'; readonly months: number }
  | {
      readonly kind: 'days';
      readonly days: number;
    };

/**
 * Statutory deadlines: GDPR Art. 12(3) one calendar month; CCPA (11 CCR §7021) 45 calendar days.
 * Extensions are not applied here: they need a notice to the subject first.
 */
export const DEFAULT_DEADLINE_RULES: Readonly<Record<string, DeadlineRule>> = {
  GDPR: { kind: 'calendarMonths', months: 1 },
  CCPA: { kind: 'days', days: 45 },
};

/**
 * The deadline of a request received at `receivedAt` under `rule`.
 *
 * A calendar month ends on the same day of the later month; where that month has no such day, on
 * its last day (31 January → 28 or 29 February). Counted in UTC, keeping the time of day.
 */
export function addDeadline(receivedAt: Date, rule: DeadlineRule): Date {
  if (rule.kind === 'days') return new Date(receivedAt.getTime() + rule.days * 86_400_000);
  const year = receivedAt.getUTCFullYear();
  const month = receivedAt.getUTCMonth() + rule.months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(receivedAt.getUTCDate(), lastDay);
  return new Date(
    Date.UTC(
      year,
      month,
      day,
      receivedAt.getUTCHours(),
      receivedAt.getUTCMinutes(),
      receivedAt.getUTCSeconds(),
      receivedAt.getUTCMilliseconds(),
    ),
  );
}

/**
 * The deadline for a jurisdiction, or a {@link MalformedRequestError} (`unknown_jurisdiction`) when
 * no rule is configured for it: a request whose deadline cannot be known is refused, not guessed.
 */
export function computeDeadline(
  receivedAt: Date,
  jurisdiction: string,
  rules: Readonly<Record<string, DeadlineRule>> = DEFAULT_DEADLINE_RULES,
): Date {
  const rule = rules[jurisdiction];
  if (!rule) {
    throw new MalformedRequestError(
      'unknown_jurisdiction',
      `no deadline rule for jurisdiction ${jurisdiction} and no deadline given; known: ${Object.keys(rules).join(', ')}`,
    );
  }
  return addDeadline(receivedAt, rule);
}
