/**
 * A length of time counted from a moment: calendar months (clamped to the month's last day),
 * calendar days, or business days (see {@link addPeriod}).
 */
export type Period =
  | { readonly unit: 'months'; readonly count: number }
  | { readonly unit: 'days'; readonly count: number }
  | { readonly unit: 'businessDays'; readonly count: number };

/** How a jurisdiction lets the response period be extended. */
export interface ExtensionRule {
  /** Added to the response period. */
  readonly length: Period;
  /**
   * The subject must be told within this period from receipt; an extension recorded later is
   * refused. GDPR: "within one month of receipt"; CCPA: "within the first 45 days".
   */
  readonly noticeWithin: Period;
  /** How many extensions a request may have. */
  readonly max: number;
}

/** The statutory clock of one jurisdiction. Data, not code: see the README ("Adding a jurisdiction"). */
export interface JurisdictionRule {
  /** The code intake messages carry, e.g. `GDPR`. */
  readonly code: string;
  /** Where the rule comes from, shown in reports. */
  readonly citation: string;
  /** From receipt to the response deadline. */
  readonly response: Period;
  /** From receipt to the latest acknowledgement, where the law asks for one. */
  readonly acknowledgement?: Period;
  /** Absent: the deadline cannot be extended. */
  readonly extension?: ExtensionRule;
}

const month = (count: number): Period => ({ unit: 'months', count });
const days = (count: number): Period => ({ unit: 'days', count });

/**
 * The jurisdictions shipped. Periods are counted in UTC from `receivedAt`, keeping its time of day.
 *
 * - GDPR Art. 12(3): one month, extendable "by two further months where necessary, taking into
 *   account the complexity and number of the requests", the subject informed within one month.
 * - UK GDPR Art. 12(3): the same clock (ICO: "calendar month", extension by up to two months).
 * - CCPA/CPRA, 11 CCR §7021: confirm receipt within 10 business days; respond within 45 calendar
 *   days; one extension of 45 days with notice and reasons within the first 45 days.
 * - LGPD Art. 19, II: a clear and complete statement within 15 days; the law gives no extension.
 */
export const JURISDICTIONS: readonly JurisdictionRule[] = [
  {
    code: 'GDPR',
    citation: 'GDPR Art. 12(3)',
    response: month(1),
    extension: { length: month(2), noticeWithin: month(1), max: 1 },
  },
  {
    code: 'UK_GDPR',
    citation: 'UK GDPR Art. 12(3)',
    response: month(1),
    extension: { length: month(2), noticeWithin: month(1), max: 1 },
  },
  {
    code: 'CCPA',
    citation: 'CCPA/CPRA, 11 CCR §7021',
    response: days(45),
    acknowledgement: { unit: 'businessDays', count: 10 },
    extension: { length: days(45), noticeWithin: days(45), max: 1 },
  },
  {
    code: 'LGPD',
    citation: 'LGPD Art. 19, II',
    response: days(15),
  },
];

/** The shipped rules by code. */
export const JURISDICTION_RULES: Readonly<Record<string, JurisdictionRule>> = Object.fromEntries(
  JURISDICTIONS.map((rule) => [rule.code, rule]),
);
