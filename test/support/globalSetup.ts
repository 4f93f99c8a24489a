import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../local/postgres/embeddedPostgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Administrative DSN of the PostgreSQL server the tests use (a superuser). */
    pgAdminDsn: string;
  }
}

/**
 * Provides one PostgreSQL server for the whole run: `PG_TEST_DSN` when set, otherwise an
 * embedded server started here and stopped when the run ends. Test files create their own
 * databases on it (see `test/support/postgres.ts`).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.PG_TEST_DSN;
  if (external) {
    project.provide('pgAdminDsn', external);
    return async () => {};
  }
  const server = await startEmbeddedPostgres({ label: 'test' });
  project.provide('pgAdminDsn', server.dsn);
  return () => server.stop();
}
