import type { PgDatabase } from '../../postgres/PgDatabase';
import { readPgCatalog } from '../../postgres/readPgCatalog';
import { email } from '../../scan/detectors/email';
import { phone } from '../../scan/detectors/phone';
import { LocationTally } from '../../scan/LocationTally';
import { PostgresScanSource } from '../../scan/PostgresScanSource';
import type { CatalogSource } from '../../scan/ScanSource';
import { buildInitialDataMap, type ValueEvidence } from './buildInitialDataMap';
import type { InitialDataMap } from './InitialDataMap';
import { readBaseTables, readForeignKeys, readUserSchemas } from './readForeignKeys';

export interface InitOptions {
  /** Schemas to map; all but PostgreSQL's own when empty. @default [] */
  readonly schemas?: readonly string[];
  /** Rows sampled per table to recognise identity columns by their values. @default 200 */
  readonly sampleRows?: number;
  /** Share of sampled values that must look like an e-mail or phone for a column to be proposed. @default 0.8 */
  readonly threshold?: number;
  /** The Snowflake catalog, to propose mirrors; none when Snowflake is not configured. */
  readonly snowflake?: CatalogSource;
}

/**
 * Reads the PostgreSQL catalog (keys, foreign keys, columns), samples text columns to recognise
 * identity columns by value, reads the Snowflake catalog when given, and proposes a data map.
 */
export async function initDataMap(db: PgDatabase, options: InitOptions = {}): Promise<InitialDataMap> {
  const schemas = options.schemas && options.schemas.length > 0 ? options.schemas : await readUserSchemas(db);
  const [catalog, baseTables, foreignKeys] = await Promise.all([
    readPgCatalog(db, schemas),
    readBaseTables(db, schemas),
    readForeignKeys(db, schemas),
  ]);
  const sampleRows = options.sampleRows ?? 200;
  const threshold = options.threshold ?? 0.8;
  const source = new PostgresScanSource(db, { schemas });
  const valueEvidence = new Map<string, Map<string, ValueEvidence>>();
  for (const table of await source.listTables()) {
    if (!baseTables.has(table.table)) continue;
    const columns = table.columns.filter((c) => c.kind === 'text');
    if (columns.length === 0) continue;
    const rows = await source.sample(table, columns, sampleRows);
    const found = new Map<string, ValueEvidence>();
    columns.forEach((column, i) => {
      const tally = new LocationTally(column.name, [email, phone], new Date());
      for (const row of rows) {
        const value = row[i];
        if (value !== null && value !== undefined) tally.add(value);
      }
      const verdict = tally.classify(threshold);
      if (
        verdict &&
        verdict.basis !== 'name' &&
        (verdict.detector === 'email' || verdict.detector === 'phone')
      ) {
        found.set(column.name, {
          kind: verdict.detector,
          matches: verdict.matches,
          samples: verdict.samples,
        });
      }
    });
    if (found.size > 0) valueEvidence.set(table.table, found);
  }
  const snowflakeTables = options.snowflake
    ? (await options.snowflake.listTables()).map((t) => t.table)
    : undefined;
  return buildInitialDataMap({ catalog, baseTables, foreignKeys, valueEvidence, snowflakeTables });
}
