import type { System } from '../discovery/SearchableTable';
import type { ErasureProblem } from './ErasureProblem';

/**
 * What one table's step did, reported through `onStep` after its system's transaction committed (an
 * erase stage records it in the ledger). `alreadyDone` counts planned rows found already deleted or
 * masked: a redelivery after a crash finishes the job without doing anything twice.
 */
export interface ErasureStep {
  readonly system: System;
  readonly table: string;
  readonly action: 'delete' | 'mask';
  readonly planned: number;
  readonly changed: number;
  readonly alreadyDone: number;
}

/** Rows that changed between discovery and erasure: the plan is stale and must be made again. */
export interface StaleRows {
  readonly system: System;
  readonly table: string;
  readonly rows: number;
}

/** The outcome of executing one system's part of a plan. */
export type ErasureExecution =
  | { readonly outcome: 'done'; readonly steps: readonly ErasureStep[] }
  /** Nothing was changed in that system: its transaction was rolled back. */
  | { readonly outcome: 'stale'; readonly stale: readonly StaleRows[] }
  /**
   * Nothing was changed in that system: a check repeated under the locks failed (a reference written
   * since the plan, a new trigger) or the database refused a statement (a constraint, a timeout).
   */
  | { readonly outcome: 'refused'; readonly problems: readonly ErasureProblem[] };
