import { ConfigError } from '../errors/errors';
import type { SnowflakeDatabase } from './SnowflakeDatabase';
import { sessionIdentitySql } from './statements';

/** Who approves, as the system that records the approval knows the caller (never a typed name). */
export interface Approver {
  /** The Snowflake session's `CURRENT_USER()`: the name the ledger is written as. */
  readonly user: string;
  /** The session's `CURRENT_ROLE()`. */
  readonly role: string;
}

/**
 * The session's user and primary role, as Snowflake knows them (`CURRENT_USER()`,
 * `CURRENT_ROLE()`): the identity every statement of the session runs as, so an approval written
 * through the same session is attributed to whoever logged in, not to a name typed on the command
 * line. A session whose primary role is a database role (`CURRENT_ROLE()` is NULL) is refused.
 */
export async function readSessionIdentity(db: SnowflakeDatabase): Promise<Approver> {
  const [row] = await db.query(sessionIdentitySql());
  const user = row?.USER_NAME;
  const role = row?.ROLE_NAME;
  if (typeof user !== 'string' || user === '')
    throw new ConfigError('SNOWFLAKE_USER', 'the Snowflake session answers no CURRENT_USER()');
  if (typeof role !== 'string' || role === '')
    throw new ConfigError(
      'SNOWFLAKE_ROLE',
      'the Snowflake session has no account-level primary role (CURRENT_ROLE() is NULL): log in with a role',
    );
  return { user, role };
}
