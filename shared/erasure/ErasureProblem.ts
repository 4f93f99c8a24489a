import type { System } from '../discovery/SearchableTable';

/**
 * Why a plan cannot run as it stands: a data-map rule the catalog refuses, a cascade to rows
 * discovery did not find, a row that changed since discovery. Names tables and columns, never values.
 */
export interface ErasureProblem {
  readonly system: System;
  readonly table: string;
  readonly column?: string;
  readonly code:
    | 'MASK_REFUSED'
    | 'CASCADE_TO_UNDISCOVERED'
    | 'REFERENCED_BY_UNDISCOVERED'
    | 'DELETE_ORDER_CYCLE'
    | 'CHECK_VIOLATED'
    | 'TABLE_MISSING'
    | 'MIRROR_NOT_ERASED'
    /** A Snowflake table to erase has no usable key (keyless, a missing or untyped key column, a key shared by several rows). */
    | 'KEY_REFUSED'
    /** Snowflake refused a planned statement when it was rehearsed in a transaction rolled back. */
    | 'REHEARSAL_FAILED';
  readonly message: string;
}

/** One line per problem, for the command line and error messages. */
export function formatErasureProblems(problems: readonly ErasureProblem[]): string {
  return problems
    .map((p) => `  ${p.system} ${p.table}${p.column ? `.${p.column}` : ''}: ${p.message}`)
    .join('\n');
}
