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
    | 'MIRROR_NOT_ERASED';
  readonly message: string;
}

/** One line per problem, for the command line and error messages. */
export function formatErasureProblems(problems: readonly ErasureProblem[]): string {
  return problems
    .map((p) => `  ${p.system} ${p.table}${p.column ? `.${p.column}` : ''}: ${p.message}`)
    .join('\n');
}
