import type { DataMap } from '../datamap/dataMapSchema';
import { InvalidArgumentError } from '../errors/errors';
import type { PgTable } from '../postgres/readPgCatalog';
import type { SnowflakeCatalog, SnowflakeTable } from '../snowflake/SnowflakeColumn';
import { compareMirror, type MirrorPair } from './compareMirror';
import type { DriftVerdict } from './DriftVerdict';
import { DEFAULT_DRIFT_THRESHOLD_PERCENT, evaluateDrift } from './evaluateDrift';
import { mirrorPairs } from './mirrorPairs';

export interface DriftGateOptions {
  readonly dataMap: DataMap;
  /** Reads the PostgreSQL tables named `schema.table`; a table absent from the result does not exist. */
  readonly readSource: (tables: readonly string[]) => Promise<ReadonlyMap<string, PgTable>>;
  /** Reads the Snowflake tables named `DATABASE.SCHEMA.TABLE`. */
  readonly readMirror: (tables: readonly string[]) => Promise<SnowflakeCatalog>;
  /** Drift above this percentage of compared columns halts. 0–100. @default 5 */
  readonly thresholdPercent?: number;
  /** How long a table's catalog entries are reused, in milliseconds; 0 reads every time. @default 300000 */
  readonly cacheTtlMs?: number;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
}

interface CachedPair {
  readonly readAt: number;
  readonly source: PgTable | undefined;
  readonly mirror: SnowflakeTable | undefined;
}

/**
 * Decides, before data moves, whether Snowflake mirrors still match their PostgreSQL sources. The
 * catalogs of both sides are read for the tables a check needs and reused for `cacheTtlMs`, so a
 * busy pipeline reads them once per interval, not once per request. The verdict is a value; only a
 * catalog read that fails throws.
 */
export class DriftGate {
  private readonly pairs: readonly MirrorPair[];
  private readonly thresholdPercent: number;
  private readonly cacheTtlMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, CachedPair>();

  constructor(private readonly options: DriftGateOptions) {
    this.pairs = mirrorPairs(options.dataMap);
    this.thresholdPercent = options.thresholdPercent ?? DEFAULT_DRIFT_THRESHOLD_PERCENT;
    if (!Number.isFinite(this.thresholdPercent) || this.thresholdPercent < 0 || this.thresholdPercent > 100)
      throw new InvalidArgumentError(
        `thresholdPercent must be between 0 and 100 inclusive (given ${this.thresholdPercent})`,
      );
    this.cacheTtlMs = options.cacheTtlMs ?? 300_000;
    if (!Number.isInteger(this.cacheTtlMs) || this.cacheTtlMs < 0)
      throw new InvalidArgumentError(
        `cacheTtlMs must be a whole number of milliseconds ≥ 0 (given ${this.cacheTtlMs})`,
      );
    this.now = options.now ?? Date.now;
  }

  /**
   * Checks every mirrored table, or only those in `tables` (PostgreSQL or mirror names as the data
   * map spells them; tables without a mirror are skipped).
   */
  async check(tables?: readonly string[]): Promise<DriftVerdict> {
    const wanted = tables ? new Set(tables) : undefined;
    const pairs = wanted ? this.pairs.filter((p) => wanted.has(p.table) || wanted.has(p.mirror)) : this.pairs;
    const now = this.now();
    const stale = pairs.filter((p) => {
      const cached = this.cache.get(p.table);
      return !cached || now - cached.readAt >= this.cacheTtlMs;
    });
    if (stale.length > 0) {
      const [sources, mirrors] = await Promise.all([
        this.options.readSource(stale.map((p) => p.table)),
        this.options.readMirror([...new Set(stale.map((p) => p.mirror))]),
      ]);
      for (const p of stale) {
        this.cache.set(p.table, {
          readAt: now,
          source: sources.get(p.table),
          mirror: mirrors.tables.get(p.mirror),
        });
      }
    }
    return evaluateDrift(
      pairs.map((p) => {
        const cached = this.cache.get(p.table);
        return { table: p.table, comparison: compareMirror(p, cached?.source, cached?.mirror) };
      }),
      this.thresholdPercent,
    );
  }

  /** Forgets every cached catalog entry (after a schema change is known to have landed). */
  invalidate(): void {
    this.cache.clear();
  }
}
