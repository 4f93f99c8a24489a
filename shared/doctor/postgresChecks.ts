import type { DataMap } from '../datamap/dataMapSchema';
import { DataMapError } from '../errors/errors';
import { PgAuthenticationError } from '../postgres/errors';
import type { PgDatabase } from '../postgres/PgDatabase';
import { PostgresTableSearcher } from '../postgres/PostgresTableSearcher';
import { type CheckOutcome, type DoctorCheck, fail, firstLine, pass } from './DoctorCheck';

/** SQLSTATEs of refused credentials (invalid password, invalid authorization). */
const REFUSED = new Set(['28P01', '28000']);

/** PostgreSQL reachable and the credentials accepted, through the pool the functions use. */
export function postgresReachable(
  db: PgDatabase,
  functions: string,
  credentials: string,
  role = 'the reader role',
): DoctorCheck {
  return {
    functions,
    name: `PostgreSQL reachable with ${credentials}`,
    run: async (): Promise<CheckOutcome> => {
      try {
        await db.query('SELECT 1');
        return pass('connected and authenticated');
      } catch (error) {
        // Refused credentials surface as PgAuthenticationError (after one fresh fetch) or as a
        // PostgresError with the SQLSTATE (a role that does not exist).
        const sqlState =
          error instanceof PgAuthenticationError ? '28P01' : (error as { sqlState?: string }).sqlState;
        if (sqlState && REFUSED.has(sqlState))
          return fail(
            `credentials refused (SQLSTATE ${sqlState})`,
            `update ${credentials} with ${role}'s user name and password (the role needs LOGIN), or ALTER ROLE … PASSWORD to match the secret`,
          );
        return fail(
          `not reachable: ${firstLine(error)}`,
          'check host and port in the secret, and that the functions’ security groups and subnets reach the database (an inbound rule on 5432 from them)',
        );
      }
    },
  };
}

/** The data map valid against the live catalog: tables, columns, keys and types exist as mapped. */
export function dataMapMatchesPostgres(
  db: PgDatabase,
  dataMap: DataMap,
  file: string,
  functions: string,
): DoctorCheck {
  return {
    functions,
    name: 'data map valid against the PostgreSQL catalog',
    run: async () => {
      try {
        await PostgresTableSearcher.create(db, dataMap, file);
        return pass(`${dataMap.postgres.length} table(s) as mapped`);
      } catch (error) {
        if (error instanceof DataMapError) {
          const first = error.problems[0];
          return fail(
            `${error.problems.length} problem(s); first: ${first?.path ?? ''}: ${first?.message ?? ''}`,
            `run \`dsr datamap validate ${file} --catalog\` for every problem; fix the data map (or GRANT SELECT on the table to the reader role if it exists but is not visible)`,
          );
        }
        return fail(firstLine(error), 'the catalog could not be read: fix the PostgreSQL check first');
      }
    },
  };
}
