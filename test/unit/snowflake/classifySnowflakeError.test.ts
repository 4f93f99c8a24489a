import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../shared/errors/errors';
import { classifySnowflakeError } from '../../../shared/snowflake/classifySnowflakeError';
import { SnowflakeDeadlineError, SnowflakeError } from '../../../shared/snowflake/errors';

const driverError = (message: string, fields: Record<string, unknown>) =>
  Object.assign(new Error(message), fields);

describe('Function: classifySnowflakeError', () => {
  it.each([
    ['SQL compilation: object does not exist', { code: '002003', sqlState: '42S02' }, false, false],
    ['syntax error', { code: '001003', sqlState: '42000' }, false, false],
    ['numeric value is not recognized', { code: '100038', sqlState: '22018' }, false, false],
    ['Incorrect username or password was specified.', { code: '390100', sqlState: '08004' }, false, false],
    ['JWT token is invalid.', { code: '390144', sqlState: '08004' }, false, false],
    ['Request to Snowflake failed.', { code: 401002 }, true, false],
    [
      'Network error. Could not reach Snowflake.',
      { code: 401001, cause: { code: 'ECONNRESET' } },
      true,
      false,
    ],
    [
      'Statement reached its statement or warehouse timeout',
      { code: '000630', sqlState: '57014' },
      true,
      false,
    ],
    ['Session no longer exists.', { code: '390111', sqlState: '08001' }, true, true],
    ['Invalid session token', { code: '390104' }, true, true],
    ['Unable to perform operation because a connection was never established.', { code: 407002 }, true, true],
    ['invalid binds', { code: 409007 }, false, false],
    ['socket hang up', { code: 'ECONNRESET' }, true, false],
    ['something unknown', {}, true, false],
  ])('%s → retryable %s, session gone %s', (message, fields, retryable, sessionGone) => {
    const error = classifySnowflakeError(driverError(message, fields));
    expect(error).toBeInstanceOf(SnowflakeError);
    expect(error).toMatchObject({ retryable, sessionGone });
    expect(error.message).toContain(message);
  });

  it('treats a certificate or revocation refusal as permanent', () => {
    const error = classifySnowflakeError(
      driverError('Network error. Could not reach Snowflake.', {
        code: 401001,
        cause: new Error('AuthorityInfoAccess not found in extensions'),
      }),
    );
    expect(error).toMatchObject({ retryable: false, code: 'SF_401001' });
  });

  it('keeps the code and SQLSTATE', () => {
    expect(classifySnowflakeError(driverError('x', { code: '001003', sqlState: '42000' }))).toMatchObject({
      code: 'SF_001003',
      snowflakeCode: '001003',
      sqlState: '42000',
    });
  });

  it.each([
    [
      'No active warehouse selected in the current session.',
      { code: '000606', sqlState: '57P03' },
      'SF_NO_WAREHOUSE',
    ],
    [
      "Object 'EVIDENCE.DSR.DSR_FINDINGS' does not exist or not authorized.",
      { code: '002003', sqlState: '42S02' },
      'SF_OBJECT_MISSING_OR_UNAUTHORIZED',
    ],
    [
      "Insufficient privileges to operate on table 'DSR_FINDINGS'",
      { code: '003001', sqlState: '42501' },
      'SF_INSUFFICIENT_PRIVILEGES',
    ],
    [
      'Insufficient privileges to operate on schema',
      { code: '003011', sqlState: '42501' },
      'SF_INSUFFICIENT_PRIVILEGES',
    ],
  ])('fails a configuration fault permanently with a code naming the fix: %s', (message, fields, code) => {
    const error = classifySnowflakeError(driverError(message, fields));
    expect(error).toMatchObject({ retryable: false, code, snowflakeCode: fields.code, sessionGone: false });
    expect(error.message).toContain('configuration:');
  });

  it('passes errors it already classified through', () => {
    const deadline = new SnowflakeDeadlineError('statement', 100);
    const invalid = new InvalidInputError('bad');
    expect(classifySnowflakeError(deadline)).toBe(deadline);
    expect(classifySnowflakeError(invalid)).toBe(invalid);
    expect(deadline).toMatchObject({ retryable: true, code: 'SF_DEADLINE' });
  });
});
