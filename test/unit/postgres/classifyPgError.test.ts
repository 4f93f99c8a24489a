import { describe, expect, it } from 'vitest';
import { classifyPgError } from '../../../shared/postgres/classifyPgError';
import { PoolExhaustedError, PostgresError } from '../../../shared/postgres/errors';
import { classifySnowflakeError } from '../../../shared/snowflake/classifySnowflakeError';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('Function: classifyPgError', () => {
  it.each([
    ['57P01', true, true], // admin_shutdown: pg_terminate_backend
    ['08006', true, true], // connection_failure
    ['53300', true, false], // too_many_connections
    ['40001', true, false], // serialization_failure
    ['57014', true, false], // statement_timeout
    ['42501', false, false], // insufficient_privilege
    ['42P01', false, false], // undefined_table
    ['22P02', false, false], // invalid_text_representation
  ])('SQLSTATE %s is retryable=%s, connectionLost=%s', (code, retryable, connectionLost) => {
    const error = classifyPgError(pgError(code));
    expect(error).toBeInstanceOf(PostgresError);
    expect(error).toMatchObject({ retryable, connectionLost, code: `PG_${code}` });
  });

  it('treats a reset socket and a terminated connection as lost connections', () => {
    expect(classifyPgError(pgError('ECONNRESET'))).toMatchObject({ retryable: true, connectionLost: true });
    expect(classifyPgError(new Error('Connection terminated unexpectedly'))).toMatchObject({
      retryable: true,
      connectionLost: true,
    });
  });

  it('treats a resolver that says "try again" and an aborted connection as lost connections, as Snowflake does', () => {
    for (const code of ['EAI_AGAIN', 'ECONNABORTED']) {
      expect(classifyPgError(pgError(code))).toMatchObject({ retryable: true, connectionLost: true });
      expect(classifySnowflakeError(Object.assign(new Error('request failed'), { code }))).toMatchObject({
        retryable: true,
      });
    }
  });

  it('keeps an already classified error as it is', () => {
    const exhausted = new PoolExhaustedError(100, 4);
    expect(classifyPgError(exhausted)).toBe(exhausted);
  });

  it('treats an unknown driver error as permanent', () => {
    expect(classifyPgError(new Error('something odd'))).toMatchObject({ retryable: false });
  });

  it('never keeps a value the server quotes in a data exception, nor the text a function raised', () => {
    const cases: [string, string, string][] = [
      [
        '22P02',
        'invalid input syntax for type uuid: "{ana@x.test"',
        'PostgreSQL: invalid input syntax for type uuid (SQLSTATE 22P02; the value is not shown)',
      ],
      [
        '22007',
        'invalid value "ana@x.test" for "YYYY"',
        'PostgreSQL: invalid value (SQLSTATE 22007; the value is not shown)',
      ],
      [
        '22001',
        'value too long for type character varying(5)',
        'PostgreSQL: value too long for type character varying(5)',
      ],
      [
        'P0001',
        'refusing to delete customer ana@x.test',
        'PostgreSQL: a function or trigger raised an error (SQLSTATE P0001); its text is not shown, as it may hold values',
      ],
      ['42P01', 'relation "app.users" does not exist', 'PostgreSQL: relation "app.users" does not exist'],
      [
        '23505',
        'duplicate key value violates unique constraint "users_email_key"',
        'PostgreSQL: duplicate key value violates unique constraint "users_email_key"',
      ],
      [
        '23514',
        'bad ana@x.test',
        'PostgreSQL: an integrity constraint refused the statement (SQLSTATE 23514); the text raised with it is not shown, as it may hold values',
      ],
    ];
    for (const [code, message, shown] of cases) {
      const error = classifyPgError(pgError(code, message));
      expect(error.message).toBe(shown);
      expect(error.message).not.toContain('ana@x.test');
    }
  });
});
