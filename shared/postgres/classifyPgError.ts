import { type DsrError, isDsrError } from '../errors/DsrError';
import { isTransientNetworkCode } from '../resilience/transientNetworkCodes';
import { PostgresError } from './errors';

/**
 * SQLSTATEs that describe a passing condition of the server or the network.
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const RETRYABLE_SQLSTATE_CLASSES = ['08', '53', '57P', '58']; // connection, resources, operator intervention, system
const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57014', // query_canceled: statement_timeout
  '28P01', // invalid_password: a rotation in progress (the pool refetches once before this surfaces)
]);
/** SQLSTATEs after which the session is gone. */
const CONNECTION_LOST_SQLSTATES = ['08', '57P01', '57P02'];
/** node-postgres raises these without a code when the socket closes or the client is unusable. */
const CONNECTION_LOST_MESSAGES = [
  /Connection terminated/i,
  /Client has encountered a connection error/i,
  /Client was closed/i,
  /terminating connection/i,
];
const RETRYABLE_MESSAGES = [/connection timeout/i, /timeout exceeded when trying to connect/i];

/**
 * The one place where a PostgreSQL or driver error is classified: retryable or permanent, and
 * whether the connection under it was lost. Messages keep the server's text, which names objects
 * but never bind values.
 */
export function classifyPgError(error: unknown): DsrError {
  if (isDsrError(error)) return error;
  const err = error instanceof Error ? error : new Error(String(error));
  const rawCode = (err as { code?: unknown }).code;
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  const isSqlState = code !== undefined && /^[0-9A-Z]{5}$/.test(code);
  const connectionLost =
    (isSqlState && CONNECTION_LOST_SQLSTATES.some((c) => code.startsWith(c))) ||
    isTransientNetworkCode(code) ||
    CONNECTION_LOST_MESSAGES.some((re) => re.test(err.message));
  const retryable = isSqlState
    ? RETRYABLE_SQLSTATES.has(code) || RETRYABLE_SQLSTATE_CLASSES.some((c) => code.startsWith(c))
    : connectionLost || RETRYABLE_MESSAGES.some((re) => re.test(err.message));
  return new PostgresError(`PostgreSQL: ${err.message}`, retryable, code, connectionLost, { cause: error });
}
