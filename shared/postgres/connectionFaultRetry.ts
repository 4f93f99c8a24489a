import { ExponentialBackoff, handleWhen, type IPolicy, retry } from 'cockatiel';
import { PostgresError } from './errors';

/**
 * Retries a read after the connection under it was lost (backend terminated, server restarted,
 * socket reset): the next attempt gets a fresh pooled client. Timeouts and exhaustion are not
 * retried here; they surface as retryable errors to the caller, whose queue backs off.
 */
export function connectionFaultRetry(maxAttempts = 3): IPolicy {
  return retry(
    handleWhen((error) => error instanceof PostgresError && error.connectionLost),
    { maxAttempts, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1000 }) },
  );
}
