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
 * whether the connection under it was lost. Messages keep the server's text, which names objects,
 * except where it can quote a value (see {@link valueFreeMessage}).
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
  return new PostgresError(
    `PostgreSQL: ${isSqlState ? valueFreeMessage(code, err.message) : err.message}`,
    retryable,
    code,
    connectionLost,
    { cause: error },
  );
}

/** PostgreSQL's own messages for integrity violations (class 23), which name objects only. */
const INTEGRITY_MESSAGES = [
  /^duplicate key value violates unique constraint "[^"]*"$/,
  /^new row for relation "[^"]*" violates check constraint "[^"]*"$/,
  /^value for domain [^"\s]+ violates check constraint "[^"]*"$/,
  /^null value in column "[^"]*"( of relation "[^"]*")? violates not-null constraint$/,
  /^domain [^"\s]+ does not allow null values$/,
  /^(insert or update|update or delete) on table "[^"]*" violates (RESTRICT setting of )?foreign key constraint "[^"]*"( on table "[^"]*")?$/,
  /^conflicting key value violates exclusion constraint "[^"]*"$/,
];

/**
 * The server's message, unless it can hold a value: a data exception (class 22) quotes the value
 * it could not take (`invalid input syntax for type uuid: "…"`), so its text is kept only up to the
 * first quote; a function's own error (`RAISE EXCEPTION`, class P0) says whatever its author wrote,
 * so only its SQLSTATE is kept, as for an integrity violation (class 23) whose text is not one of
 * PostgreSQL's own. Values are never logged or printed (identifiers among them).
 */
export function valueFreeMessage(sqlState: string, message: string): string {
  if (sqlState.startsWith('P0'))
    return `a function or trigger raised an error (SQLSTATE ${sqlState}); its text is not shown, as it may hold values`;
  // An integrity violation's own message names objects (its values are in `detail`, never shown);
  // a function may raise one with any text, which is then not shown.
  if (sqlState.startsWith('23'))
    return INTEGRITY_MESSAGES.some((re) => re.test(message))
      ? message
      : `an integrity constraint refused the statement (SQLSTATE ${sqlState}); the text raised with it is not shown, as it may hold values`;
  if (!sqlState.startsWith('22')) return message;
  const quote = message.indexOf('"');
  if (quote < 0) return message;
  return `${message.slice(0, quote).replace(/[\s:]+$/, '')} (SQLSTATE ${sqlState}; the value is not shown)`;
}
