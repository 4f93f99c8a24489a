import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  SamplingBreaker,
} from 'cockatiel';
import type { Dependency as AnyDependency } from '../errors/Dependency';
import { isDependencyFault } from '../errors/DsrError';
import { InvalidArgumentError } from '../errors/errors';
import { DependencyUnavailableError } from './DependencyUnavailableError';

/** The external systems a stage calls through a breaker. */
export type Dependency = Extract<AnyDependency, 'postgres' | 'snowflake'>;

/** Told when a dependency's circuit opens or closes (for a log line and a metric). */
export interface BreakerListener {
  /** `cause` is the failure that tripped the circuit (always a fault of `dependency`). */
  onOpen?(dependency: Dependency, cause: unknown): void;
  onClose?(dependency: Dependency): void;
}

/** How long a circuit stays open before a probe is let through. */
export const DEFAULT_HALF_OPEN_MS = 30_000;

/** How a dependency's breaker opens. */
export type BreakerSettings =
  | {
      readonly kind: 'consecutive';
      /** Consecutive retryable failures that open the circuit. @default 5 */
      readonly threshold?: number;
      /** Milliseconds before one probe is let through. @default 30 000 */
      readonly halfOpenAfterMs?: number;
    }
  | {
      readonly kind: 'sampling';
      /** Failure rate in (0, 1] over the window that opens the circuit. */
      readonly threshold: number;
      readonly durationMs: number;
      readonly minimumRps?: number;
      readonly halfOpenAfterMs?: number;
    };

/**
 * One cockatiel circuit breaker per dependency. Only the dependency's own retryable faults count
 * (`isDependencyFault`: a classified error naming that dependency): a permanent error says nothing
 * about its health, and an unclassified error (a `TypeError` from our code, a NULL key in a row) is
 * a bug of ours that must not make every other request wait. While a circuit is open, calls fail at once with a
 * retryable {@link DependencyUnavailableError}, so the record processor returns the message to the
 * queue with backoff instead of trying it.
 *
 * Cockatiel reads time with `Date.now()`, so tests drive the cool-down with fake timers.
 * https://github.com/connor4312/cockatiel#circuitbreaker
 */
export class DependencyBreakers {
  private readonly policies = new Map<Dependency, CircuitBreakerPolicy>();
  private readonly openMs = new Map<Dependency, number>();

  constructor(settings: Partial<Record<Dependency, BreakerSettings>> = {}, listener: BreakerListener = {}) {
    for (const dependency of ['postgres', 'snowflake'] as const) {
      const chosen = settings[dependency] ?? { kind: 'consecutive' };
      const policy = createPolicy(dependency, chosen);
      policy.onBreak((reason) => listener.onOpen?.(dependency, 'error' in reason ? reason.error : undefined));
      policy.onReset(() => listener.onClose?.(dependency));
      this.policies.set(dependency, policy);
      this.openMs.set(dependency, chosen.halfOpenAfterMs ?? DEFAULT_HALF_OPEN_MS);
    }
  }

  /** Runs `work` through the dependency's breaker. */
  async execute<T>(dependency: Dependency, work: () => Promise<T>): Promise<T> {
    try {
      return await this.policy(dependency).execute(work);
    } catch (error) {
      if (isBrokenCircuitError(error))
        throw new DependencyUnavailableError(
          dependency,
          this.openMs.get(dependency) ?? DEFAULT_HALF_OPEN_MS,
          {
            cause: error,
          },
        );
      throw error;
    }
  }

  /**
   * Runs work that calls several dependencies (discovery across PostgreSQL and Snowflake, an erasure
   * of both) through each one's breaker, nested: every breaker sees the work's failure, and each
   * counts only the faults that name its own dependency, so a Snowflake outage opens the Snowflake
   * circuit and leaves PostgreSQL's closed. While any of them is open the work is refused at once.
   */
  async executeAcross<T>(dependencies: Iterable<Dependency>, work: () => Promise<T>): Promise<T> {
    const chosen = [...new Set(dependencies)].sort();
    return chosen.reduceRight<() => Promise<T>>(
      (inner, dependency) => () => this.execute(dependency, inner),
      work,
    )();
  }

  /** `closed`, `open`, `half-open` or `isolated`. */
  state(dependency: Dependency): 'closed' | 'open' | 'half-open' | 'isolated' {
    switch (this.policy(dependency).state) {
      case CircuitState.Open:
        return 'open';
      case CircuitState.HalfOpen:
        return 'half-open';
      case CircuitState.Isolated:
        return 'isolated';
      default:
        return 'closed';
    }
  }

  private policy(dependency: Dependency): CircuitBreakerPolicy {
    const policy = this.policies.get(dependency);
    if (!policy) throw new InvalidArgumentError(`no breaker for ${dependency}`);
    return policy;
  }
}

function createPolicy(dependency: Dependency, settings: BreakerSettings): CircuitBreakerPolicy {
  const breaker =
    settings.kind === 'consecutive'
      ? new ConsecutiveBreaker(settings.threshold ?? 5)
      : new SamplingBreaker({
          threshold: settings.threshold,
          duration: settings.durationMs,
          minimumRps: settings.minimumRps,
        });
  return circuitBreaker(
    handleWhen((error) => isDependencyFault(error, dependency)),
    { halfOpenAfter: settings.halfOpenAfterMs ?? DEFAULT_HALF_OPEN_MS, breaker },
  );
}
