import type { System } from '../datamap/System';
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
  /** The plan entry's party, for a step that masks one party's columns (see `PlannedTable.party`). */
  readonly party?: string;
  /**
   * For a step of a table erased in batches (see `erasureUnits`): the batch's number (1-based), how
   * many batches the table has, and the batch size; `planned` then counts the batch's rows.
   */
  readonly batch?: number;
  readonly batches?: number;
  readonly batchRows?: number;
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
  | {
      readonly outcome: 'stale';
      readonly stale: readonly StaleRows[];
      /**
       * PostgreSQL's part had committed when Snowflake's rows were found changed: the plan must not
       * be made again from PostgreSQL (the rows that led to the Snowflake keys are gone).
       */
      readonly afterPostgresCommit?: true;
    }
  /**
   * Nothing was changed anywhere: Snowflake's part was refused by its catalog check or its rehearsal
   * before any commit, or PostgreSQL's part was refused by a check repeated under the locks (a
   * reference written since the plan, a new trigger) or by the database (a constraint, a timeout) and
   * rolled back before Snowflake's part ran. With `afterCommit`, the refused transaction was a batch
   * after earlier ones had committed (see `erasureUnits`): what they erased stays erased.
   */
  | {
      readonly outcome: 'refused';
      readonly problems: readonly ErasureProblem[];
      readonly afterCommit?: true;
    };
