import pLimit from 'p-limit';
import type { PgDatabase } from '../../postgres/PgDatabase';
import { readPgCatalog } from '../../postgres/readPgCatalog';
import { ALL_DETECTORS } from '../../scan/detectors/allDetectors';
import { type Classification, LocationTally } from '../../scan/LocationTally';
import { PostgresScanSource } from '../../scan/PostgresScanSource';
import type { CatalogSource } from '../../scan/ScanSource';
import { buildInitialDataMap, type MeasuredReference } from './buildInitialDataMap';
import type { InitialDataMap } from './InitialDataMap';
import { measureOverlap } from './measureOverlap';
import { readBaseTables, readForeignKeys, readUserSchemas } from './readForeignKeys';
import { referencesByName } from './referencesByName';

export interface InitOptions {
  /** Schemas to map; all but PostgreSQL's own when empty. @default [] */
  readonly schemas?: readonly string[];
  /** Rows sampled per table to recognise identity and personal-data columns by their values. @default 200 */
  readonly sampleRows?: number;
  /** Share of sampled values that must look like an e-mail or phone for a column to be proposed. @default 0.8 */
  readonly threshold?: number;
  /** Distinct values of a referencing column compared with the table its name points at. @default 200 */
  readonly overlapSample?: number;
  /** Share (0–1] of those values that must be found for the reference to be proposed. @default 0.9 */
  readonly overlapThreshold?: number;
  /** The Snowflake catalog, to propose mirrors; none when Snowflake is not configured. */
  readonly snowflake?: CatalogSource;
  /** Queries run at once. @default 2 */
  readonly concurrency?: number;
  /** Today, for date-of-birth ranges. @default new Date() */
  readonly now?: Date;
}

/**
 * Reads the PostgreSQL catalog (keys, foreign keys, columns), samples columns to recognise
 * identities and personal data by value, proposes references from column names and confirms each
 * by the overlap of its values with the table it names, reads the Snowflake catalog when given, and
 * proposes a data map. No sampled value leaves this function: only counts do.
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
  const overlapSample = options.overlapSample ?? 200;
  const now = options.now ?? new Date();
  const limit = pLimit(options.concurrency ?? 2);
  const source = new PostgresScanSource(db, { schemas });
  const scanTables = (await source.listTables()).filter((t) => baseTables.has(t.table));

  const columnEvidence = new Map<string, Map<string, Classification>>();
  await Promise.all(
    scanTables.map((table) =>
      limit(async () => {
        const columns = table.columns.filter(
          (c) => c.kind === 'text' || c.kind === 'number' || c.kind === 'date',
        );
        if (columns.length === 0) return;
        const rows = await source.sample(table, columns, sampleRows);
        const found = new Map<string, Classification>();
        columns.forEach((column, i) => {
          const tally = new LocationTally(column.name, ALL_DETECTORS, now);
          for (const row of rows) {
            const value = row[i];
            if (value !== null && value !== undefined) tally.add(value);
          }
          const verdict = tally.classify(threshold);
          if (verdict) found.set(column.name, verdict);
        });
        if (found.size > 0) columnEvidence.set(table.table, found);
      }),
    ),
  );

  const fkColumns = new Set(foreignKeys.flatMap((fk) => fk.columns.map((c) => `${fk.table}.${c}`)));
  const tables = [...catalog.tables].filter(([id]) => baseTables.has(id)).map(([, t]) => t);
  const byName = referencesByName(tables, fkColumns);
  const estimates = new Map(scanTables.map((t) => [t.table, t.estimatedRows]));
  const nameReferences: MeasuredReference[] = await Promise.all(
    byName.references.map((ref) =>
      limit(async () => ({
        ...ref,
        overlap: await measureOverlap(db, ref, {
          sample: overlapSample,
          estimatedRows: estimates.get(ref.table),
        }),
      })),
    ),
  );

  const snowflakeTables = options.snowflake
    ? (await options.snowflake.listTables()).map((t) => t.table)
    : undefined;
  return buildInitialDataMap({
    catalog,
    baseTables,
    foreignKeys,
    columnEvidence,
    nameReferences,
    nameNotes: byName.notes,
    overlapThreshold: options.overlapThreshold,
    snowflakeTables,
  });
}
