import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import type { LoadLocation } from '../snowflake/statements';
import { type CheckOutcome, type DoctorCheck, fail, firstLine, pass } from './DoctorCheck';

/** Who and through what the functions log in to Snowflake, as their settings say (no secret). */
export interface SnowflakeIdentity {
  readonly account: string;
  readonly user: string;
  readonly role: string | undefined;
  readonly proxy: string | undefined;
  /** The variable holding the key (or password), for the fix text. */
  readonly keyVariable: string;
}

const codeOf = (error: unknown) => String((error as { code?: unknown }).code ?? '');
/** Snowflake's own error code, as classified errors carry it beside their product code. */
const snowflakeCodeOf = (error: unknown) =>
  String((error as { snowflakeCode?: unknown }).snowflakeCode ?? '');
/** "Object does not exist or not authorized": Snowflake does not say which. */
const NOT_AUTHORIZED = '002003';

/**
 * A login as the functions make it (key pair, the configured proxy, OCSP fail-closed, which the
 * driver applies process-wide before the first login) and a trivial statement.
 */
export function snowflakeLogin(
  db: SnowflakeDatabase,
  who: SnowflakeIdentity,
  functions: string,
): DoctorCheck {
  const via = who.proxy ? ` through ${who.proxy}` : '';
  return {
    functions,
    name: `Snowflake login as ${who.user}${who.role ? ` (role ${who.role})` : ''}${via}`,
    run: async (): Promise<CheckOutcome> => {
      try {
        await db.query('SELECT 1 AS OK');
        return pass('logged in, OCSP fail-closed');
      } catch (error) {
        const code = codeOf(error);
        if (/^SF_390/.test(code))
          return fail(
            `login refused (${code})`,
            `set the public key of ${who.keyVariable}'s private key on the user: ALTER USER ${who.user} SET RSA_PUBLIC_KEY='…'; and GRANT ROLE ${who.role ?? '<role>'} TO USER ${who.user}`,
          );
        return fail(
          `not reachable (${code || 'network'}): ${firstLine(error)}`,
          who.proxy
            ? `check that the proxy ${who.proxy} lets the functions reach the hosts SELECT SYSTEM$ALLOWLIST() lists (the account on 443, OCSP_CACHE and OCSP_RESPONDER on 80)`
            : `give the functions' subnets a route (a NAT gateway) to the hosts SELECT SYSTEM$ALLOWLIST() lists (the account on 443, OCSP_CACHE and OCSP_RESPONDER on 80), or set the context values snowflakeProxyHost and snowflakeProxyPort`,
        );
      }
    },
  };
}

/** The role can read each table (`SELECT … LIMIT 0`: no row leaves Snowflake). */
export function snowflakeReads(
  db: SnowflakeDatabase,
  tables: readonly string[],
  role: string | undefined,
  functions: string,
  what: string,
): DoctorCheck {
  return {
    functions,
    name: `Snowflake SELECT on ${tables.length} ${what}`,
    run: async () => {
      const missing: string[] = [];
      for (const table of tables) {
        try {
          await db.query(`SELECT * FROM ${quoted(table)} LIMIT 0`);
        } catch (error) {
          if (snowflakeCodeOf(error) !== NOT_AUTHORIZED)
            return fail(firstLine(error), 'fix the login check first');
          missing.push(table);
        }
      }
      if (missing.length === 0) return pass(`${tables.length} readable`);
      const r = role ?? '<role>';
      return fail(
        `${missing.length} not readable: ${missing.join(', ')}`,
        missing
          .map((t) => {
            const [db_, schema] = t.split('.');
            return `GRANT USAGE ON DATABASE ${db_} TO ROLE ${r}; GRANT USAGE ON SCHEMA ${db_}.${schema} TO ROLE ${r}; GRANT SELECT ON TABLE ${t} TO ROLE ${r}`;
          })
          .join('; '),
      );
    },
  };
}

/**
 * The evidence location exists and its tables (created by the loader on first use) are readable
 * when present: the schema must exist, and the role needs CREATE TABLE there, INSERT/UPDATE/SELECT
 * on `DSR_FINDINGS` and `DSR_LEDGER`.
 */
export function snowflakeLoadLocation(
  db: SnowflakeDatabase,
  at: LoadLocation,
  role: string | undefined,
  functions: string,
): DoctorCheck {
  const r = role ?? '<role>';
  const fix = `CREATE SCHEMA IF NOT EXISTS ${at.database}.${at.schema}; GRANT USAGE ON DATABASE ${at.database} TO ROLE ${r}; GRANT USAGE, CREATE TABLE ON SCHEMA ${at.database}.${at.schema} TO ROLE ${r}`;
  return {
    functions,
    name: `Snowflake load location ${at.database}.${at.schema}`,
    run: async () => {
      let schemas: unknown[];
      try {
        schemas = await db.query(
          `SELECT SCHEMA_NAME FROM ${quoted(at.database)}.INFORMATION_SCHEMA.SCHEMATA WHERE SCHEMA_NAME = ?`,
          [at.schema],
        );
      } catch (error) {
        if (snowflakeCodeOf(error) === NOT_AUTHORIZED)
          return fail(`database ${at.database} not visible`, fix);
        return fail(firstLine(error), 'fix the login check first');
      }
      if (schemas.length === 0) return fail(`schema ${at.database}.${at.schema} not visible`, fix);
      const tables = await db.query(
        `SELECT TABLE_NAME FROM ${quoted(at.database)}.INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN ('DSR_FINDINGS', 'DSR_LEDGER') ORDER BY TABLE_NAME`,
        [at.schema],
      );
      return pass(
        tables.length === 2
          ? 'schema and evidence tables present'
          : 'schema present; the loader creates the evidence tables on first use',
      );
    },
  };
}

/** `A.B.C` as quoted identifiers, so names from the data map never travel as SQL. */
function quoted(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}
