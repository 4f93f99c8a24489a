/**
 * Faults a test can inject into a local Snowflake endpoint, to exercise the product's retry logic
 * against the real driver. Counts apply to query requests (`/queries/v1/query-request`) only.
 */
export interface SnowflakeFaults {
  /** Answers the next `count` query requests with `httpStatus` (503, 429, …) without executing them. */
  failNext(count: number, httpStatus: number): void;
  /** Delays every request (all endpoints) by `ms` before it is handled. */
  setLatency(ms: number): void;
  /** Holds the next `count` query requests for `ms` before handling them. */
  stallNext(count: number, ms: number): void;
  /** Expires every open session token: the next query of each session answers 390112 once. */
  expireSessions(): void;
  /** Executes (and commits) the next `count` statements, then closes the socket without answering. */
  dropResponseAfterExecute(count: number): void;
  /** Removes every fault and the latency. */
  reset(): void;
}

/** The fault plan the server consults; tests hold it through {@link SnowflakeFaults}. */
export class FaultPlan implements SnowflakeFaults {
  private failures: { remaining: number; status: number } = { remaining: 0, status: 503 };
  private stalls = { remaining: 0, ms: 0 };
  private drops = 0;
  latencyMs = 0;
  /** Bumped by {@link expireSessions}; a session whose generation is older answers 390112 once. */
  expiryGeneration = 0;

  failNext(count: number, httpStatus: number): void {
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`count must be a non-negative integer (given ${count})`);
    if (!Number.isInteger(httpStatus) || httpStatus < 300 || httpStatus > 599) {
      throw new RangeError(`httpStatus must be between 300 and 599 (given ${httpStatus})`);
    }
    this.failures = { remaining: count, status: httpStatus };
  }

  setLatency(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`latency must be >= 0 ms (given ${ms})`);
    this.latencyMs = ms;
  }

  stallNext(count: number, ms: number): void {
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`count must be a non-negative integer (given ${count})`);
    if (!(ms >= 0)) throw new RangeError(`stall must be >= 0 ms (given ${ms})`);
    this.stalls = { remaining: count, ms };
  }

  expireSessions(): void {
    this.expiryGeneration++;
  }

  dropResponseAfterExecute(count: number): void {
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`count must be a non-negative integer (given ${count})`);
    this.drops = count;
  }

  reset(): void {
    this.failures = { remaining: 0, status: 503 };
    this.stalls = { remaining: 0, ms: 0 };
    this.drops = 0;
    this.latencyMs = 0;
  }

  /** The HTTP status to fail this query request with, consuming one injected failure. */
  takeFailure(): number | undefined {
    if (this.failures.remaining <= 0) return undefined;
    this.failures.remaining--;
    return this.failures.status;
  }

  /** How long to hold this query request, consuming one injected stall. */
  takeStall(): number {
    if (this.stalls.remaining <= 0) return 0;
    this.stalls.remaining--;
    return this.stalls.ms;
  }

  /** Whether to drop the answer of this executed statement, consuming one injected drop. */
  takeDrop(): boolean {
    if (this.drops <= 0) return false;
    this.drops--;
    return true;
  }
}
