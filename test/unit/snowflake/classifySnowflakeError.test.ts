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
    expect(classifySnowflakeError(driverError('x', { code: '002003', sqlState: '42S02' }))).toMatchObject({
      code: 'SF_002003',
      snowflakeCode: '002003',
      sqlState: '42S02',
    });
  });

  it('passes errors it already classified through', () => {
    const deadline = new SnowflakeDeadlineError('statement', 100);
    const invalid = new InvalidInputError('bad');
    expect(classifySnowflakeError(deadline)).toBe(deadline);
    expect(classifySnowflakeError(invalid)).toBe(invalid);
    expect(deadline).toMatchObject({ retryable: true, code: 'SF_DEADLINE' });
  });
});
