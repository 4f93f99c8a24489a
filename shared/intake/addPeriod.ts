import type { Period } from './jurisdictions';

/**
 * Public holidays that do not count as business days, as UTC dates (`YYYY-MM-DD`). None are
 * shipped: which holidays count depends on where the business is, so the deployment supplies them
 * (`DSR_HOLIDAYS`); without a list, every Monday to Friday counts.
 */
export type HolidayList = ReadonlySet<string>;

const DAY_MS = 86_400_000;

/**
 * `from` plus `period`, in UTC, keeping the time of day.
 *
 * - `months`: the same day of the later month; where that month has no such day, its last day
 *   (31 January + 1 month → 28 or 29 February).
 * - `days`: calendar days.
 * - `businessDays`: Monday to Friday, not in `holidays`; the day of `from` is not counted (received
 *   on a Friday, 1 business day → the Monday), and a result never falls on a weekend or holiday.
 */
export function addPeriod(from: Date, period: Period, holidays: HolidayList = new Set()): Date {
  if (period.unit === 'days') return new Date(from.getTime() + period.count * DAY_MS);
  if (period.unit === 'businessDays') {
    let at = from.getTime();
    let left = period.count;
    while (left > 0) {
      at += DAY_MS;
      if (isBusinessDay(new Date(at), holidays)) left--;
    }
    return new Date(at);
  }
  const year = from.getUTCFullYear();
  const target = from.getUTCMonth() + period.count;
  const lastDay = new Date(Date.UTC(year, target + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      year,
      target,
      Math.min(from.getUTCDate(), lastDay),
      from.getUTCHours(),
      from.getUTCMinutes(),
      from.getUTCSeconds(),
      from.getUTCMilliseconds(),
    ),
  );
}

/** Monday to Friday (UTC) and not a listed holiday. */
export function isBusinessDay(at: Date, holidays: HolidayList = new Set()): boolean {
  const weekday = at.getUTCDay();
  return weekday !== 0 && weekday !== 6 && !holidays.has(at.toISOString().slice(0, 10));
}

/** Two periods of one unit as one (one month + two months = three months from the same day). */
export function sumPeriods(a: Period, b: Period): Period | undefined {
  return a.unit === b.unit ? { unit: a.unit, count: a.count + b.count } : undefined;
}
