import pLimit from 'p-limit';
import type { PgDatabase } from '../postgres/PgDatabase';
import { readPgCatalog } from '../postgres/readPgCatalog';
import { ALL_DETECTORS } from '../scan/detectors/allDetectors';
import { type Classification, LocationTally } from '../scan/LocationTally';
import { PostgresScanSource } from '../scan/PostgresScanSource';
import type { CatalogSource } from '../scan/ScanSource';
import {
  buildInitialDataMap,
  contactColumnsOf,
  DEFAULT_LIMITS,
  type FanOutLimits,
  type MeasuredReference,
  type SharedValues,
} from './buildInitialDataMap';
import type { InitialDataMap } from './InitialDataMap';
import { normalizationOf } from './identityRules';
import { type FanOut, measureFanOut } from './measureFanOut';
import { measureOverlap } from './measureOverlap';
import {
  measurePhoneForms,
  measureRepeats,
  measureSharedValues,
  type PhoneForms,
  type SampledRepeats,
} from './measureUniqueness';
import { qualifiedName } from './qualifiedName';
import { readBaseTables, readForeignKeys, readUserSchemas } from './readForeignKeys';
import { readUniqueIndexes } from './readUniqueIndexes';
import { keyColumnOf, referencesByName } from './referencesByName';

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
  /** Values of a contact column sampled to check that they are unique per row. @default 10000 */
  readonly uniquenessSample?: number;
  /** When an edge's typical key reaches too many rows. @default DEFAULT_LIMITS */
  readonly limits?: Partial<FanOutLimits>;
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

  const threshold90 = options.overlapThreshold ?? 0.9;
  const confirmed = nameReferences.filter(
    (r) => r.overlap.sampled === 0 || r.overlap.found / r.overlap.sampled >= threshold90,
  );
  const uniqueIndexes = await readUniqueIndexes(db, schemas);
  const tableIds = [...catalog.tables.keys()].filter((id) => baseTables.has(id));
  const emptyTables = new Set(
    (
      await Promise.all(
        tableIds.map((id) =>
          limit(async () => {
            const r = await db.query<{ empty: string }>(
              `SELECT (NOT EXISTS (SELECT 1 FROM ${qualifiedName(id)}))::text AS empty`,
            );
            return r.rows[0]?.empty === 'true' ? [id] : [];
          }),
        ),
      )
    ).flat(),
  );

  // Every column an edge may follow: its fan-out (rows per key) decides and is written beside it.
  const edgeColumns = new Map<string, { table: string; column: string }>();
  for (const fk of foreignKeys)
    if (fk.columns.length === 1 && baseTables.has(fk.table))
      edgeColumns.set(`${fk.table}.${fk.columns[0]}`, { table: fk.table, column: fk.columns[0] as string });
  for (const r of confirmed) edgeColumns.set(`${r.table}.${r.column}`, { table: r.table, column: r.column });
  const fanOut = new Map<string, FanOut>();
  await Promise.all(
    [...edgeColumns].map(([id, { table, column }]) =>
      limit(async () => {
        fanOut.set(id, await measureFanOut(db, table, column, estimates.get(table)));
      }),
    ),
  );

  // Contact columns of tables other tables refer to (the tables that may hold people): are their
  // values unique per row, and shared with no other such table?
  const referenced = new Set([...foreignKeys.map((fk) => fk.references), ...confirmed.map((r) => r.target)]);
  // Tables that extend another one row per row (a profile per user): their contact values are
  // measured too, since a value two of their rows hold is two people's.
  const extensionOf = new Map(
    foreignKeys
      .filter((fk) => fk.columns.length === 1 && uniqueIndexes.has(`${fk.table}.${fk.columns[0]}`))
      .map((fk) => [fk.table, fk.references] as const),
  );
  const contacts = tables
    .filter(
      (t) =>
        (referenced.has(`${t.schema}.${t.name}`) || extensionOf.has(`${t.schema}.${t.name}`)) &&
        keyColumnOf(t),
    )
    .flatMap((t) =>
      contactColumnsOf(t, columnEvidence.get(`${t.schema}.${t.name}`)).map((c) => ({
        ...c,
        table: `${t.schema}.${t.name}`,
      })),
    );
  const uniquenessSample = options.uniquenessSample ?? 10_000;
  const repeats = new Map<string, SampledRepeats>();
  const sharedValues = new Map<string, SharedValues[]>();
  await Promise.all(
    contacts.map((c) =>
      limit(async () => {
        const id = `${c.table}.${c.column}`;
        if (!uniqueIndexes.has(id))
          repeats.set(
            id,
            await measureRepeats(db, c.table, c.column, normalizationOf(c.kind), {
              sample: uniquenessSample,
              estimatedRows: estimates.get(c.table),
            }),
          );
        // An extension's values are its person's (a profile's e-mail is its user's): not another
        // table of people's, and not compared.
        const others = extensionOf.has(c.table)
          ? []
          : contacts.filter((o) => o.kind === c.kind && o.table !== c.table && !extensionOf.has(o.table));
        const found: SharedValues[] = [];
        for (const o of others) {
          const shared = await measureSharedValues(db, c, o, normalizationOf(c.kind), overlapSample);
          found.push({ other: `${o.table}.${o.column}`, ...shared });
        }
        sharedValues.set(id, found);
      }),
    ),
  );

  // Phone columns of every table: are numbers written both with and without a country code?
  const phoneForms = new Map<string, PhoneForms>();
  await Promise.all(
    tables.flatMap((t) =>
      contactColumnsOf(t, columnEvidence.get(`${t.schema}.${t.name}`))
        .filter((c) => c.kind === 'phone')
        .map((c) =>
          limit(async () => {
            const table = `${t.schema}.${t.name}`;
            phoneForms.set(`${table}.${c.column}`, await measurePhoneForms(db, table, c.column, 1000));
          }),
        ),
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
    uniqueIndexes,
    repeats,
    extensionOf,
    sharedValues,
    phoneForms,
    fanOut,
    emptyTables,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
  });
}
