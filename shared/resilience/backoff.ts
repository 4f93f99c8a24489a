/** Settings of the exponential backoff. */
export interface BackoffOptions {
  /** Delay ceiling of the first retry, in seconds. @default 2 */
  readonly baseSeconds?: number;
  /** Largest delay, in seconds; SQS allows at most 43 200 (12 hours). @default 900 */
  readonly capSeconds?: number;
  /** A number in [0, 1); injected so tests are deterministic. @default Math.random */
  readonly random?: () => number;
}

/** SQS's largest visibility timeout. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from
 * `[0, min(cap, base × 2^(attempt − 1))]`, so retries of many failed records spread out instead of
 * returning together. `attempt` is the message's receive count (1 on the first delivery).
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 *
 * Returns whole seconds, at least 1, as `ChangeMessageVisibility` takes.
 */
export function backoffSeconds(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseSeconds ?? 2;
  const cap = Math.min(options.capSeconds ?? 900, MAX_VISIBILITY_SECONDS);
  const random = options.random ?? Math.random;
  const ceiling = backoffCeiling(attempt, base, cap);
  return Math.max(1, Math.min(cap, Math.ceil(random() * ceiling)));
}

/** The upper bound of the jittered delay for an attempt. */
export function backoffCeiling(attempt: number, baseSeconds: number, capSeconds: number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(capSeconds, baseSeconds * 2 ** exponent);
}
