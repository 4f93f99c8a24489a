import { describe, expect, it } from 'vitest';
import { statementProblem } from '../../../shared/erasure/statementProblem';

const denied = (message: string) => Object.assign(new Error(message), { code: '42501' });

describe('Function: statementProblem', () => {
  it('names the object a privilege is missing on (a trigger writing to another table), never anything else of the message', () => {
    // Act
    const onAudit = statementProblem(denied('permission denied for table audit_log'), {
      table: 'app.users',
      statement: 'UPDATE',
    });
    const other = statementProblem(denied('must be owner of table users'), {
      table: 'app.users',
      statement: 'UPDATE',
    });

    // Assess
    expect(onAudit).toMatchObject({ code: 'STATEMENT_REFUSED', table: 'app.users' });
    expect(onAudit?.message).toBe(
      'the planned UPDATE of app.users was refused: the erasure role lacks a privilege on table audit_log (the table itself, or one a trigger on it writes to); grant what `dsr datamap grants` prints for this data map (SQLSTATE 42501); nothing was changed',
    );
    expect(other?.message).toContain('the erasure role lacks a privilege it needs');
    expect(other?.message).not.toContain('must be owner');
  });
});
