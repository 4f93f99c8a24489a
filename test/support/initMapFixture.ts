import { afterAll, beforeAll } from 'vitest';
import { parse } from 'yaml';
import { initDataMap } from '../../shared/datamapInit/initDataMap';
import { renderInitialDataMap } from '../../shared/datamapInit/renderInitialDataMap';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../../shared/postgres/PgDatabase';
import { createTestDatabase, type TestDatabase } from './postgres';

/** The map `dsr datamap init` proposes for a test file's schema, as YAML and as a parsed document. */
export interface InitialMapFixture {
  readonly yaml: string;
  /** The proposed `postgres:` entry of a table, parsed; undefined when the map leaves it out. */
  // biome-ignore lint/suspicious/noExplicitAny: the rendered YAML is read as a plain document
  table(name: string): any;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  readonly doc: any;
}

/**
 * Registers the hooks of an init test file: its own database (`createTestDatabase(name)`) with
 * `schema`, the map `initDataMap` proposes for `schemas` rendered once, and the database dropped at
 * the end.
 */
export function useInitialDataMap(
  name: string,
  schema: string,
  schemas: readonly string[],
): InitialMapFixture {
  let test: TestDatabase | undefined;
  let db: PgDatabase | undefined;
  let yaml: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  let doc: any;
  beforeAll(async () => {
    test = await createTestDatabase(name);
    await test.exec(schema);
    db = new PgDatabase({ credentials: new DsnCredentialSource(test.dsn) });
    yaml = renderInitialDataMap(await initDataMap(db, { schemas: [...schemas] }), 'the PostgreSQL catalog');
    doc = parse(yaml);
  });
  afterAll(async () => {
    await db?.end();
    await test?.drop();
  });
  return {
    get yaml() {
      if (yaml === undefined) throw new Error('the map was not proposed');
      return yaml;
    },
    get doc() {
      return doc;
    },
    table: (table: string) => doc?.postgres?.find((t: { table: string }) => t.table === table),
  };
}
