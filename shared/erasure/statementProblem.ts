import type { ErasureProblem } from './ErasureProblem';
import { sqlStateOf } from './sqlStateOf';

const CONSTRAINTS: Record<string, string> = {
  '23001': 'a RESTRICT foreign key',
  '23502': 'a NOT NULL constraint',
  '23503': 'foreign key',
  '23505': 'UNIQUE constraint',
  '23514': 'CHECK constraint',
  '23P01': 'exclusion constraint',
};
/** Refusals named by SQLSTATE alone; `P0` stands for the class (a function's own `RAISE`). */
const REFUSED: Record<string, string> = {
  P0: 'a function or trigger raised an error, whose text is not shown as it may hold values; see the functions and triggers on the table, or acknowledge and change them',
  '42501':
    'the erasure role lacks a privilege it needs; grant what `dsr datamap grants` prints for this data map',
  '428C9':
    'a generated or GENERATED ALWAYS identity column can only be set by PostgreSQL; mask the columns it is computed from instead',
};
const BLOCKED: Record<string, string> = {
  '40P01': 'a deadlock with another session',
  '55P03': 'the lock timeout: another session holds a lock on the rows or the table',
  '57014': 'the statement timeout',
};

/**
 * The problem a refused erasure statement stands for, or undefined for any other fault (which is
 * rethrown). Built from the error's SQLSTATE and the objects it names (table, column, constraint,
 * domain) — never from the server's message, which can quote a value (`invalid input syntax for
 * type integer: "…"`, a key's value in `detail`).
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function statementProblem(
  error: unknown,
  at: { readonly table: string; readonly statement: string },
): ErasureProblem | undefined {
  const state = sqlStateOf(error);
  if (!state) return undefined;
  const raw = ((error as { cause?: unknown }).cause ?? error) as {
    schema?: string;
    table?: string;
    column?: string;
    constraint?: string;
    dataType?: string;
  };
  const table = raw.schema && raw.table ? `${raw.schema}.${raw.table}` : at.table;
  const column = raw.column ? { column: raw.column } : {};
  const domain = raw.dataType ? ` of domain ${raw.dataType}` : '';
  if (state.startsWith('23')) {
    const kind = CONSTRAINTS[state] ?? 'an integrity constraint';
    const named = raw.constraint ? `${kind} ${raw.constraint}` : kind;
    return {
      system: 'postgres',
      table,
      ...column,
      code: 'CONSTRAINT_VIOLATED',
      message: `the planned ${at.statement} of ${at.table} breaks ${named}${domain} (SQLSTATE ${state}); nothing was changed`,
    };
  }
  if (state.startsWith('22'))
    return {
      system: 'postgres',
      table,
      ...column,
      code: 'VALUE_REFUSED',
      message: `the planned ${at.statement} of ${at.table} writes a value its column${domain} refuses (SQLSTATE ${state}); nothing was changed`,
    };
  // PostgreSQL names the object a privilege is missing on (`permission denied for table audit_log`):
  // a name, never a value, and the one to grant on (a trigger's target, say).
  const object =
    state === '42501'
      ? /^permission denied for (table|relation|sequence|schema|function) ([\w$."]+)$/.exec(
          String((raw as { message?: unknown }).message ?? (error as { message?: unknown }).message ?? ''),
        )
      : null;
  const refused = object
    ? `the erasure role lacks a privilege on ${object[1]} ${object[2]} (the table itself, or one a trigger on it writes to); grant what \`dsr datamap grants\` prints for this data map`
    : (REFUSED[state] ?? (state.startsWith('P0') ? REFUSED.P0 : undefined));
  if (refused)
    return {
      system: 'postgres',
      table,
      ...column,
      code: 'STATEMENT_REFUSED',
      message: `the planned ${at.statement} of ${at.table} was refused: ${refused} (SQLSTATE ${state}); nothing was changed`,
    };
  const blocked = BLOCKED[state];
  if (blocked)
    return {
      system: 'postgres',
      table,
      code: 'BLOCKED',
      message: `the planned ${at.statement} of ${at.table} was stopped by ${blocked} (SQLSTATE ${state}); nothing was changed, try again later`,
    };
  return undefined;
}
