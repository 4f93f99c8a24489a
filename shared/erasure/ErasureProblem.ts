import type { System } from '../datamap/System';

/**
 * - `SIDE_EFFECT_UNACKNOWLEDGED`: a trigger, rule or row-security policy fires on a planned statement
 *   and the data map does not acknowledge it;
 * - `REFERENCE_UNREADABLE`: the checking role cannot read a table that references a planned row;
 * - `CONSTRAINT_VIOLATED` / `VALUE_REFUSED`: the database refused a planned statement in the
 *   rehearsal or the change (SQLSTATE class 23 / 22), which was rolled back;
 * - `BLOCKED`: a lock or statement timeout, or a deadlock, stopped the rehearsal or the change;
 * - `KEY_REFUSED`: a Snowflake table to erase has no usable key (keyless, a missing or untyped key
 *   column, a key shared by several rows), or a PostgreSQL table's planned key names several rows
 *   under the lock (a child table by inheritance or a partition holds a row with the same key);
 * - `REHEARSAL_FAILED`: Snowflake refused a planned statement when it was rehearsed in a transaction
 *   rolled back;
 * - `ROWS_HIDDEN`: row security hides planned rows from the erasure role (its statement would skip
 *   them), or may hide the subject's rows from the reading role (the plan and proof would miss them);
 * - `ROWS_NOT_CHANGED`: a planned statement changed fewer rows than it locked (a `DO INSTEAD` rule, a
 *   BEFORE trigger returning NULL, a narrower DELETE policy) or more (rows sharing a planned row's
 *   key or address in a child table or partition), and was rolled back;
 * - `STATEMENT_REFUSED`: the database refused a planned statement for another reason it names by
 *   SQLSTATE only — a function or trigger raised an error (class P0, whose text may hold values),
 *   the erasure role lacks a privilege (42501), a column only PostgreSQL may set (428C9);
 * - `FOLLOW_AMBIGUOUS`: a table the plan changes follows a column that is not unique in its table
 *   (part of a composite key), with no foreign key naming the pair: it can reach other people's rows;
 * - `IDENTIFIER_SHARED`: a value the request names is held by several rows of one table of people,
 *   so discovery did not search by it (the request guard): the rows it names may be other people's;
 * - `LARGE_OBJECT_LEFT`: a planned row refers to a large object (an `oid` column): the object, in
 *   `pg_largeobject`, is neither removed with the row nor read by discovery or the proof.
 */
export const ERASURE_PROBLEM_CODES = [
  'MASK_REFUSED',
  'CASCADE_TO_UNDISCOVERED',
  'REFERENCED_BY_UNDISCOVERED',
  'DELETE_ORDER_CYCLE',
  'CHECK_VIOLATED',
  'TABLE_MISSING',
  'MIRROR_NOT_ERASED',
  'SIDE_EFFECT_UNACKNOWLEDGED',
  'REFERENCE_UNREADABLE',
  'CONSTRAINT_VIOLATED',
  'VALUE_REFUSED',
  'BLOCKED',
  'KEY_REFUSED',
  'REHEARSAL_FAILED',
  'ROWS_HIDDEN',
  'ROWS_NOT_CHANGED',
  'STATEMENT_REFUSED',
  'FOLLOW_AMBIGUOUS',
  'IDENTIFIER_SHARED',
  'LARGE_OBJECT_LEFT',
] as const;
export type ErasureProblemCode = (typeof ERASURE_PROBLEM_CODES)[number];

/**
 * Why a plan cannot run as it stands: a data-map rule the catalog refuses, a cascade to rows
 * discovery did not find, a row that changed since discovery. Names tables and columns, never values.
 */
export interface ErasureProblem {
  readonly system: System;
  readonly table: string;
  readonly column?: string;
  readonly code: ErasureProblemCode;
  readonly message: string;
}

/** One line per problem, for the command line and error messages. */
export function formatErasureProblems(problems: readonly ErasureProblem[]): string {
  return problems
    .map((p) => `  ${p.system} ${p.table}${p.column ? `.${p.column}` : ''}: ${p.message}`)
    .join('\n');
}
