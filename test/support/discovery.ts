import type { DataMap } from '../../shared/datamap/dataMapSchema';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { discoverSubject } from '../../shared/discovery/discoverSubject';
import { serializeFindingsDocument } from '../../shared/discovery/FindingsDocument';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { PgDatabase, type PgDatabaseOptions } from '../../shared/postgres/PgDatabase';
import {
  type PostgresSearchOptions,
  PostgresTableSearcher,
} from '../../shared/postgres/PostgresTableSearcher';

export const TEST_HASH_KEY = 'test-subject-hash-key-0123456789abcdef';

/** A PgDatabase on a DSN, with test-friendly defaults. */
export function openDatabase(dsn: string, options: Partial<PgDatabaseOptions> = {}): PgDatabase {
  return new PgDatabase({
    credentials: new DsnCredentialSource(dsn),
    applicationName: 'dsr-bridge-test',
    connectTimeoutMs: 5000,
    ...options,
  });
}

/** Discovers one subject with the PostgreSQL searcher and returns the document and its JSON. */
export async function discoverWith(
  db: PgDatabase,
  map: DataMap | string,
  identifiers: Record<string, string[]>,
  options: PostgresSearchOptions & { requestId?: string } = {},
) {
  const dataMap = typeof map === 'string' ? parseDataMap(map, 'test.yaml') : map;
  const postgres = await PostgresTableSearcher.create(db, dataMap, 'test.yaml', options);
  const result = await discoverSubject(
    { dataMap, searchers: { postgres }, subjectHashKey: TEST_HASH_KEY },
    { requestId: options.requestId ?? 'req-1', identifiers },
  );
  return { ...result, json: serializeFindingsDocument(result.document) };
}
