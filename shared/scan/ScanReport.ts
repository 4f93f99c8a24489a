import type { DetectorId } from './detectors/Detector';
import type { DetectionBasis } from './LocationTally';
import type { Reach } from './reachOf';
import type { ScanSystem } from './ScanSource';

/** A location holding personal data: a column, or a JSON path inside one. Never carries a value. */
export interface PiiFinding {
  readonly system: ScanSystem;
  readonly table: string;
  readonly column: string;
  /** Path inside a JSON value (`profile.contact.email`, `phones[].number`); absent for the column itself. */
  readonly jsonPath?: string;
  readonly detector: DetectorId;
  readonly basis: DetectionBasis;
  readonly confidence: number;
  /** Non-null values sampled at this location. */
  readonly samples: number;
  /** How many of them the detector matched. */
  readonly matches: number;
  readonly reach: Reach;
}

/**
 * Coverage counts columns, not locations: a column bears PII when it, or any JSON path inside it,
 * does. Columns the map excludes are a deliberate choice and are counted in neither figure:
 * `percent = reached / found × 100`, where `found = reached + unreached`; 100 when nothing was found.
 */
export interface Coverage {
  readonly reached: number;
  readonly found: number;
  /** PII-bearing columns the map excludes, outside the two figures above. */
  readonly excluded: number;
  /** Rounded to one decimal. */
  readonly percent: number;
}

export interface ScanReport {
  readonly systems: readonly ScanSystem[];
  /** Rows sampled per table at most. */
  readonly sampleRows: number;
  /** Share of non-null samples a detector must match for a location to count (0–1). */
  readonly threshold: number;
  readonly tablesScanned: number;
  readonly columnsScanned: number;
  readonly coverage: Coverage;
  /** Tables whose sample failed (no privilege, a timeout): what they hold is unknown. */
  readonly notScanned: readonly {
    readonly system: ScanSystem;
    readonly table: string;
    readonly reason: string;
  }[];
  /** PII-bearing locations the data map does not reach. */
  readonly unreached: readonly PiiFinding[];
  /** PII-bearing locations in columns the data map excludes on purpose. */
  readonly excludedByMap: readonly PiiFinding[];
  /** PII-bearing locations the data map reaches. */
  readonly reached: readonly PiiFinding[];
}

/** Computes the column coverage of a set of findings (see {@link Coverage}). */
export function computeCoverage(findings: readonly PiiFinding[]): Coverage {
  const columns = new Map<string, Reach>();
  for (const f of findings) columns.set(`${f.system}\u0000${f.table}\u0000${f.column}`, f.reach);
  const count = (reach: Reach) => [...columns.values()].filter((r) => r === reach).length;
  const reached = count('reached');
  const found = reached + count('unreached');
  return {
    reached,
    found,
    excluded: count('excluded'),
    percent: found === 0 ? 100 : Math.round((reached / found) * 1000) / 10,
  };
}
