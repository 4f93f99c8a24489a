import type { DataMap, PostgresTableSpec, SnowflakeTableSpec } from '../datamap/dataMapSchema';
import { InvalidArgumentError } from '../errors/errors';
import { quoteIdent } from '../postgres/quoteIdent';
import { quoteSnowflakeIdent, quoteSnowflakeName } from '../snowflake/quoteSnowflakeIdent';

export interface ErasureGrantsOptions {
  /** The PostgreSQL erasure role. @default dsr_erasure */
  readonly pgRole?: string;
  /** The Snowflake erasure role. @default DSR_ERASURE */
  readonly snowflakeRole?: string;
  /** The warehouse the erasure user runs its statements in. @default DSR_WH */
  readonly snowflakeWarehouse?: string;
}

/** What one table gets, and why. */
export interface TableGrant {
  readonly table: string;
  readonly action: 'delete' | 'mask';
  readonly statements: readonly string[];
}

/** The statements that make each system's erasure role, in the order they are to be run. */
export interface ErasureGrants {
  readonly postgres: {
    readonly role: string;
    readonly statements: readonly string[];
    readonly tables: readonly TableGrant[];
  };
  readonly snowflake: {
    readonly role: string;
    readonly statements: readonly string[];
    readonly tables: readonly TableGrant[];
  };
}

type Spec = PostgresTableSpec | SnowflakeTableSpec;
const erased = <T extends Spec>(tables: readonly T[]) =>
  tables
    .filter((t) => t.erasure?.action === 'delete' || t.erasure?.action === 'mask')
    .sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));

/**
 * The column a `delete` table's role may update, only so the executor can lock the rows it deletes:
 * `SELECT … FOR UPDATE` needs UPDATE on at least one column of the table it locks
 * (https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE). One key column
 * (or, without a key, the first column the subject is found by) rather than the whole table.
 */
function lockColumn(spec: PostgresTableSpec): string {
  const identity = Object.values(spec.identities).flat()[0];
  const column = spec.primaryKey[0] ?? identity ?? Object.keys(spec.follow)[0];
  // The structural checks refuse a table reached by no column; this guards a map built in code.
  if (!column) throw new InvalidArgumentError(`${spec.table}: no column to lock its rows by`);
  return column;
}

function requireName(what: string, name: string): string {
  if (name.length === 0 || name.length > 255)
    throw new InvalidArgumentError(`${what} must be 1 to 255 characters`);
  return name;
}

/**
 * The least privileges of the erasure roles, from the data map: for each system, USAGE on what
 * leads to the erased tables and, per table by its erasure rule,
 * - PostgreSQL `delete`: SELECT and DELETE, and UPDATE on one column (see {@link lockColumn});
 * - PostgreSQL `mask`: SELECT, and UPDATE on the masked columns only;
 * - Snowflake `delete`: SELECT and DELETE; `mask`: SELECT and UPDATE (Snowflake grants table
 *   privileges only, no column ones); every other Snowflake table of the map: SELECT only, because
 *   the erase function searches Snowflake as this role to prove the erasure;
 * - `retain` and tables without a rule: nothing, so the role cannot touch them;
 * - a PostgreSQL table an acknowledged trigger writes to (`triggers.writes`): INSERT, as the trigger
 *   runs with the erasure role's privileges.
 * SELECT is on the whole table: the executors re-read every returned column of a planned row and
 * compare it with what discovery read before changing it. Every name is quoted as given.
 */
export function erasureGrants(dataMap: DataMap, options: ErasureGrantsOptions = {}): ErasureGrants {
  const pgRole = requireName('the PostgreSQL role', options.pgRole ?? 'dsr_erasure');
  const sfRole = requireName('the Snowflake role', options.snowflakeRole ?? 'DSR_ERASURE');
  const warehouse = requireName('the Snowflake warehouse', options.snowflakeWarehouse ?? 'DSR_WH');

  const role = quoteIdent(pgRole);
  const pgTables = erased(dataMap.postgres).map((spec): TableGrant => {
    const [schema, name] = spec.table.split('.') as [string, string];
    const table = `${quoteIdent(schema)}.${quoteIdent(name)}`;
    if (spec.erasure?.action === 'mask') {
      const columns = Object.keys(spec.erasure.columns).sort().map(quoteIdent).join(', ');
      return {
        table: spec.table,
        action: 'mask',
        statements: [
          `GRANT SELECT ON TABLE ${table} TO ${role};`,
          `GRANT UPDATE (${columns}) ON TABLE ${table} TO ${role};`,
        ],
      };
    }
    return {
      table: spec.table,
      action: 'delete',
      statements: [
        `GRANT SELECT, DELETE ON TABLE ${table} TO ${role};`,
        `GRANT UPDATE (${quoteIdent(lockColumn(spec))}) ON TABLE ${table} TO ${role};`,
      ],
    };
  });
  // A trigger the map acknowledges runs as the statement's role (unless SECURITY DEFINER): the
  // tables it writes to (`triggers.writes`) need INSERT, which an audit trigger does. A trigger
  // that also updates or deletes there needs those too: see the trigger's function.
  const written = [
    ...new Set(
      erased(dataMap.postgres).flatMap((spec) =>
        spec.erasure && 'triggers' in spec.erasure ? (spec.erasure.triggers?.writes ?? []) : [],
      ),
    ),
  ].sort();
  const triggerGrants = written.map((w) => {
    const [schema, name] = w.split('.') as [string, string];
    return `GRANT INSERT ON TABLE ${quoteIdent(schema)}.${quoteIdent(name)} TO ${role};`;
  });
  const pgSchemas = [
    ...new Set(
      [...erased(dataMap.postgres).map((t) => t.table), ...written].map((t) => t.split('.')[0] as string),
    ),
  ].sort();

  const sfRoleName = quoteSnowflakeIdent(sfRole);
  const sfTables = erased(dataMap.snowflake).map(
    (spec): TableGrant => ({
      table: spec.table,
      action: spec.erasure?.action === 'mask' ? 'mask' : 'delete',
      statements: [
        `GRANT SELECT, ${spec.erasure?.action === 'mask' ? 'UPDATE' : 'DELETE'} ON TABLE ${quoteSnowflakeName(spec.table)} TO ROLE ${sfRoleName};`,
      ],
    }),
  );
  // The erase function searches Snowflake as this role (re-planning and the proof), so it reads every
  // Snowflake table the map names; it changes only those with a delete or mask rule.
  const readOnly = [...dataMap.snowflake]
    .filter((t) => !(t.erasure?.action === 'delete' || t.erasure?.action === 'mask'))
    .sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));
  const readGrants = readOnly.map(
    (spec) => `GRANT SELECT ON TABLE ${quoteSnowflakeName(spec.table)} TO ROLE ${sfRoleName};`,
  );
  const sfSchemas = [
    ...new Set(
      [...erased(dataMap.snowflake), ...readOnly].map((t) => t.table.split('.').slice(0, 2).join('.')),
    ),
  ].sort();
  const sfDatabases = [...new Set(sfSchemas.map((s) => s.split('.')[0] as string))].sort();

  return {
    postgres: {
      role: pgRole,
      tables: pgTables,
      statements:
        pgTables.length === 0
          ? []
          : [
              `CREATE ROLE ${role} LOGIN;`,
              ...pgSchemas.map((s) => `GRANT USAGE ON SCHEMA ${quoteIdent(s)} TO ${role};`),
              ...pgTables.flatMap((t) => t.statements),
              ...triggerGrants,
            ],
    },
    snowflake: {
      role: sfRole,
      tables: sfTables,
      statements:
        sfTables.length === 0
          ? []
          : [
              `CREATE ROLE ${sfRoleName};`,
              `GRANT USAGE ON WAREHOUSE ${quoteSnowflakeIdent(warehouse)} TO ROLE ${sfRoleName};`,
              ...sfDatabases.map(
                (d) => `GRANT USAGE ON DATABASE ${quoteSnowflakeIdent(d)} TO ROLE ${sfRoleName};`,
              ),
              ...sfSchemas.map(
                (s) => `GRANT USAGE ON SCHEMA ${quoteSnowflakeName(s)} TO ROLE ${sfRoleName};`,
              ),
              ...sfTables.flatMap((t) => t.statements),
              ...readGrants,
            ],
    },
  };
}
