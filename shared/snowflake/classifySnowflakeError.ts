import { type DsrError, isDsrError } from '../errors/DsrError';
import { isTransientNetworkCode } from '../resilience/transientNetworkCodes';
import { SnowflakeError } from './errors';

/**
 * Codes after which the session is gone (`390104` invalid token, `390111` gone session) or the
 * driver refuses to send because it is disconnected (`407001`, `407002`, `405503`).
 * https://docs.snowflake.com/en/user-guide/session-policies
 */
const SESSION_GONE = new Set(['390104', '390111', '407001', '407002', '405503']);
/** Driver codes for a failed request: network down, 5xx/429 after its own retries, a garbled answer. */
const RETRYABLE_DRIVER_CODES = new Set(['401001', '401002', '401003', '402001', '402002']);
/** Server codes for conditions that pass: statement aborted or timed out, warehouse busy or resuming. */
const RETRYABLE_SERVER_CODES = new Set(['000604', '000625', '000630', '000608', '390112']);

/**
 * Configuration faults: retrying cannot help, an operator has to change a setting or a grant. Each
 * gets a code that names the fix, and is permanent, so the request is dead-lettered at once (the
 * dead-letter alarm pages) instead of being retried five times.
 * - `000606` "No active warehouse selected in the current session": set SNOWFLAKE_WAREHOUSE or the
 *   user's DEFAULT_WAREHOUSE (https://docs.snowflake.com/en/sql-reference/sql/use-warehouse).
 * - `002003` "… does not exist or not authorized": create the object or grant the role access
 *   (Snowflake does not tell the two apart, https://docs.snowflake.com/en/user-guide/security-access-control-overview).
 * - `003001` and SQLSTATE `42501` "Insufficient privileges to operate on …": grant the privilege.
 * - `390189`/`390190` role or warehouse named at login not usable by the user.
 */
const CONFIGURATION_FAULTS: readonly {
  readonly codes: readonly string[];
  readonly code: string;
  readonly fix: string;
}[] = [
  {
    codes: ['000606'],
    code: 'SF_NO_WAREHOUSE',
    fix: 'set SNOWFLAKE_WAREHOUSE to a warehouse the role may use, or give the user a DEFAULT_WAREHOUSE',
  },
  {
    codes: ['002003', '002043'],
    code: 'SF_OBJECT_MISSING_OR_UNAUTHORIZED',
    fix: 'create the object or grant the role USAGE/SELECT on it; check the data map and SNOWFLAKE_LOAD_* names',
  },
  {
    codes: ['003001', '003003', '003011'],
    code: 'SF_INSUFFICIENT_PRIVILEGES',
    fix: 'grant the role the privilege the statement needs',
  },
  {
    codes: ['390189', '390190', '390201'],
    code: 'SF_LOGIN_CONTEXT_UNUSABLE',
    fix: 'check SNOWFLAKE_ROLE, SNOWFLAKE_WAREHOUSE and SNOWFLAKE_DATABASE name objects the user may use',
  },
];
/** SQLSTATE classes that describe a passing condition: connection, transaction rollback, resources, operator. */
const RETRYABLE_SQLSTATE_CLASSES = ['08', '40', '53', '57'];
/** Authentication refusals (`390100` bad credentials, `390144` invalid JWT, …): they carry SQLSTATE 08xxx but will not pass. */
const AUTHENTICATION_REFUSED = /^3901\d\d$|^3903\d\d$/;
/** A certificate or revocation refusal is a security decision, not a passing fault. */
const TLS_REFUSAL = /OCSP|AuthorityInfoAccess|certificate|self[- ]signed|revoked/i;

/**
 * The one place where a Snowflake or driver error is classified: retryable or permanent, and
 * whether the session is gone. SQL compilation errors (`002003` object does not exist, `001003`
 * syntax), bad credentials (`390100`) and data errors are permanent; network faults, 5xx after the
 * driver's retries and lost sessions are retryable. Messages keep Snowflake's text, which names
 * objects but never bind values.
 */
export function classifySnowflakeError(error: unknown): DsrError {
  if (isDsrError(error)) return error;
  const err = error instanceof Error ? error : new Error(String(error));
  const fields = err as { code?: unknown; sqlState?: unknown; cause?: unknown };
  const code =
    typeof fields.code === 'number' || typeof fields.code === 'string' ? String(fields.code) : undefined;
  const sqlState =
    typeof fields.sqlState === 'string' && fields.sqlState !== '' ? fields.sqlState : undefined;
  const causeCode = (fields.cause as { code?: unknown } | undefined)?.code;
  const sessionGone = code !== undefined && SESSION_GONE.has(code);
  const network = isTransientNetworkCode(code) || isTransientNetworkCode(causeCode);
  const tlsRefusal = TLS_REFUSAL.test(err.message) || TLS_REFUSAL.test(String(fields.cause ?? ''));

  let retryable: boolean;
  if (sessionGone) retryable = true;
  else if (tlsRefusal || (code !== undefined && AUTHENTICATION_REFUSED.test(code) && code !== '390112'))
    retryable = false;
  else if (sqlState !== undefined)
    retryable =
      RETRYABLE_SQLSTATE_CLASSES.some((c) => sqlState.startsWith(c)) ||
      (code !== undefined && RETRYABLE_SERVER_CODES.has(code));
  else if (code !== undefined && /^\d{6}$/.test(code))
    retryable = RETRYABLE_DRIVER_CODES.has(code) || RETRYABLE_SERVER_CODES.has(code);
  else retryable = network || code === undefined;

  const configuration =
    (code !== undefined && CONFIGURATION_FAULTS.find((f) => f.codes.includes(code))) ||
    (sqlState === '42501' ? CONFIGURATION_FAULTS[2] : undefined);
  if (configuration)
    return new SnowflakeError(
      `Snowflake ${code ?? sqlState}: ${err.message} (configuration: ${configuration.fix})`,
      false,
      code,
      sqlState,
      false,
      { cause: error, code: configuration.code },
    );

  return new SnowflakeError(
    `Snowflake${code ? ` ${code}` : ''}: ${err.message}`,
    retryable,
    code,
    sqlState,
    sessionGone,
    { cause: error },
  );
}
