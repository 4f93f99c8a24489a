/** Days before its deadline from which a standard request is moved to the high queue. */
export const DEFAULT_PROMOTION_WINDOW_DAYS = 7;

/**
 * Whether a request on the standard queue should move to the high queue: its deadline is within
 * `windowDays` of `now` (or already passed).
 */
export function shouldPromote(
  deadline: Date,
  now: Date,
  windowDays: number = DEFAULT_PROMOTION_WINDOW_DAYS,
): boolean {
  return deadline.getTime() - now.getTime() <= windowDays * 86_400_000;
}
