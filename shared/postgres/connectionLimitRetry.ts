import { ExponentialBackoff, handleWhen, type IPolicy, retry } from 'cockatiel';
import { PostgresError } from './errors';

/** Attempts for a one-shot command such as `dsr discover`, which has no queue to back off: about 15 s. */
export const COMMAND_CONNECT_ATTEMPTS = 12;

/** SQLSTATE 53300 too_many_connections: the role's `CONNECTION LIMIT` or the server's `max_connections`. */
const TOO_MANY_CONNECTIONS = '53300';

/**
 * Retries opening a connection that the server refused for too many connections (a burst of
 * processes against a role's `CONNECTION LIMIT`): slots free up as other sessions end, so the
 * attempt is repeated with jittered exponential backoff (cockatiel's decorrelated jitter, 50 ms up
 * to 2 s) before the retryable error surfaces. The default (4 attempts, under a second) suits the
 * pipeline, whose queue backs off and whose circuit breaker must still see a database that keeps
 * refusing; a one-shot command passes more ({@link COMMAND_CONNECT_ATTEMPTS}).
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function connectionLimitRetry(maxAttempts = 4): IPolicy {
  return retry(
    handleWhen((error) => error instanceof PostgresError && error.sqlState === TOO_MANY_CONNECTIONS),
    { maxAttempts, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 2000 }) },
  );
}
