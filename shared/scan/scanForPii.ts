import pLimit from 'p-limit';
import type { DataMap } from '../datamap/dataMapSchema';
import { InvalidArgumentError } from '../errors/errors';
import { ALL_DETECTORS } from './detectors/allDetectors';
import type { Detector } from './detectors/Detector';
import { forEachJsonLeaf, parseJsonContainer, parseJsonScalar } from './forEachJsonLeaf';
import { LocationTally } from './LocationTally';
import { reachOf } from './reachOf';
import { computeCoverage, type PiiFinding, type ScanReport } from './ScanReport';
import type { ScanSource, ScanSystem, ScanTable } from './ScanSource';

export interface ScanOptions {
  /** Rows sampled per table at most. @default 1000 */
  readonly sampleRows?: number;
  /** Share of non-null samples a detector must match (0–1]. @default 0.5 */
  readonly threshold?: number;
  /** Tables sampled at once. @default 4 */
  readonly concurrency?: number;
  /** Today, for date-of-birth ranges. @default new Date() */
  readonly now?: Date;
  readonly detectors?: readonly Detector[];
}

/**
 * Samples every table of every source, classifies each column and each JSON path inside JSON
 * values, and sets each PII-bearing location against the data map (see `reachOf`). Sampled values
 * live only while they are counted; the report holds names and counts.
 */
export async function scanForPii(
  sources: readonly ScanSource[],
  map: DataMap,
  options: ScanOptions = {},
): Promise<ScanReport> {
  const sampleRows = options.sampleRows ?? 1000;
  const threshold = options.threshold ?? 0.5;
  if (!Number.isInteger(sampleRows) || sampleRows < 1)
    throw new InvalidArgumentError(`sampleRows must be a positive integer (given ${sampleRows})`);
  if (!(threshold > 0 && threshold <= 1))
    throw new InvalidArgumentError(`threshold must be in (0, 1] (given ${threshold})`);
  const now = options.now ?? new Date();
  const detectors = options.detectors ?? ALL_DETECTORS;
  const limit = pLimit(options.concurrency ?? 4);

  const findings: PiiFinding[] = [];
  const notScanned: { system: ScanSystem; table: string; reason: string }[] = [];
  let tablesScanned = 0;
  let columnsScanned = 0;
  for (const source of sources) {
    const tables = await source.catalog.listTables();
    const perTable = await Promise.all(
      tables.map((table) =>
        limit(async () => {
          const columns = table.columns.filter((c) => c.kind !== 'other');
          if (columns.length === 0) return [];
          let rows: (string | null)[][];
          try {
            rows = await source.sampler.sample(table, columns, sampleRows);
          } catch (error) {
            // One unreadable table (no privilege, a statement timeout) is reported, not fatal.
            notScanned.push({ system: table.system, table: table.table, reason: describeError(error) });
            return [];
          }
          tablesScanned++;
          columnsScanned += columns.length;
          return classifyTable(table, columns, rows, { detectors, now, threshold, map });
        }),
      ),
    );
    findings.push(...perTable.flat());
  }

  const order = (a: PiiFinding, b: PiiFinding) =>
    a.system.localeCompare(b.system) ||
    a.table.localeCompare(b.table) ||
    a.column.localeCompare(b.column) ||
    (a.jsonPath ?? '').localeCompare(b.jsonPath ?? '');
  findings.sort(order);
  return {
    systems: sources.map((s) => s.catalog.system),
    sampleRows,
    threshold,
    tablesScanned,
    columnsScanned,
    coverage: computeCoverage(findings),
    notScanned: notScanned.sort((a, b) => a.system.localeCompare(b.system) || a.table.localeCompare(b.table)),
    unreached: findings.filter((f) => f.reach === 'unreached'),
    excludedByMap: findings.filter((f) => f.reach === 'excluded'),
    reached: findings.filter((f) => f.reach === 'reached'),
  };
}

function classifyTable(
  table: ScanTable,
  columns: ScanTable['columns'],
  rows: readonly (readonly (string | null)[])[],
  context: { detectors: readonly Detector[]; now: Date; threshold: number; map: DataMap },
): PiiFinding[] {
  const findings: PiiFinding[] = [];
  columns.forEach((column, index) => {
    const plain = new LocationTally(column.name, context.detectors, context.now);
    const paths = new Map<string, LocationTally>();
    const leaf = (path: string, key: string, value: string) => {
      let tally = paths.get(path);
      if (!tally) {
        tally = new LocationTally(key, context.detectors, context.now);
        paths.set(path, tally);
      }
      tally.add(value);
    };
    for (const row of rows) {
      const value = row[index];
      if (value === null || value === undefined) continue;
      // JSON columns are judged by their leaves; a text column holding JSON documents is too.
      const json = column.kind === 'json' || column.kind === 'text' ? parseJsonContainer(value) : undefined;
      if (json !== undefined) forEachJsonLeaf(json, leaf);
      else if (column.kind !== 'json') plain.add(value);
      else {
        const scalar = parseJsonScalar(value);
        if (scalar !== undefined) plain.add(scalar);
      }
    }
    const reach = reachOf(context.map, table.system, table.table, column.name);
    const base = { system: table.system, table: table.table, column: column.name, reach };
    const verdict = plain.classify(context.threshold);
    if (verdict) findings.push({ ...base, ...verdict });
    for (const [jsonPath, tally] of paths) {
      const found = tally.classify(context.threshold);
      if (found) findings.push({ ...base, jsonPath, ...found });
    }
  });
  return findings;
}

/** The error's message (database messages name objects, never bind values), first line only. */
function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
