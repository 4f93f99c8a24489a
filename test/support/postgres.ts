import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** A database of its own for one test file, on the run's PostgreSQL server. */
export interface TestDatabase {
  readonly name: string;
  /** Superuser DSN of this database. */
  readonly dsn: string;
  /** Runs SQL as the superuser (a fresh connection each call). */
  exec(sql: string, values?: unknown[]): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

function withDatabase(dsn: string, database: string): string {
  const url = new URL(dsn);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Creates a uniquely named database (a copy of `template` when one is given); `drop()` removes it,
 * terminating any session left on it.
 */
export async function createTestDatabase(
  prefix = 't',
  admin: string = inject('pgAdminDsn'),
  options: { readonly template?: string } = {},
): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const run = async (dsn: string, sql: string, values?: unknown[]) => {
    const client = new pg.Client({ connectionString: dsn });
    await client.connect();
    try {
      return await client.query(sql, values);
    } finally {
      await client.end();
    }
  };
  await run(admin, `CREATE DATABASE ${name}${options.template ? ` TEMPLATE ${options.template}` : ''}`);
  const dsn = withDatabase(admin, name);
  return {
    name,
    dsn,
    exec: (sql, values) => run(dsn, sql, values),
    drop: async () => {
      await run(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
