import { describe, expect, it } from 'vitest';
import { CliError } from '../../../cli/CliError';
import { describeAwsFailure } from '../../../cli/describeAwsFailure';
import { checkSubjectKinds, pgDsnFromEnv } from '../../../cli/parseSubjects';
import { DependencyError } from '../../../shared/errors/errors';

const IDENTITIES = {
  email: { normalize: 'lowercase' },
  phone: { normalize: 'digits' },
  user_id: { normalize: 'none' },
};

function usage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof CliError && error.exitCode === 2) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('Function: checkSubjectKinds', () => {
  it('accepts addresses, digits and free ids', () => {
    expect(() =>
      checkSubjectKinds(IDENTITIES, { email: [' Ana@Example.COM '], phone: ['+44 7700'], user_id: ['x'] }),
    ).not.toThrow();
  });

  it('refuses what is not an address for an e-mail kind, naming the kind and never the value', () => {
    for (const value of ['not-an-email', 'a@b', '@example.com', 'a b@example.com', 'a@@example.com']) {
      const message = usage(() => checkSubjectKinds(IDENTITIES, { email: [value] }));
      expect(message).toBe('--subject email: the value is not an e-mail address');
    }
    expect(usage(() => checkSubjectKinds(IDENTITIES, { phone: ['call-me'] }))).not.toContain('call-me');
  });

  it('refuses a kind the data map does not declare, listing those it does', () => {
    expect(usage(() => checkSubjectKinds(IDENTITIES, { shoe: ['42'] }))).toBe(
      '--subject shoe: not an identity kind of this data map (it declares email, phone, user_id)',
    );
    expect(() => checkSubjectKinds(IDENTITIES, JSON.parse('{"__proto__":["x"]}'))).toThrow(CliError);
  });
});

describe('Function: pgDsnFromEnv', () => {
  it('says what a DSN looks like when PG_DSN is none, without repeating it', () => {
    for (const PG_DSN of ['not a dsn', 'base', 'mysql://u:secret@h/db', 'host=db user=x'])
      expect(usage(() => pgDsnFromEnv({ PG_DSN }))).toBe(
        'PG_DSN is not a PostgreSQL connection URL (postgres://user:password@host:port/database)',
      );
    expect(usage(() => pgDsnFromEnv({}))).toMatch(/^PG_DSN is not set/);
    expect(pgDsnFromEnv({ PG_DSN: 'postgresql://u:p@127.0.0.1:5432/db' })).toBe(
      'postgresql://u:p@127.0.0.1:5432/db',
    );
  });
});

describe('Function: describeAwsFailure', () => {
  it("names the target, the service's code, status and message", () => {
    const cause = Object.assign(new Error('The specified queue does not exist.'), {
      name: 'QueueDoesNotExist',
      $metadata: { httpStatusCode: 400 },
    });
    const error = describeAwsFailure(
      new DependencyError('sqs', 'SendMessage', false, 'QueueDoesNotExist', { cause }),
      'queue https://sqs.eu-west-1.amazonaws.com/1/q',
    );
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toBe(
      'sqs SendMessage on queue https://sqs.eu-west-1.amazonaws.com/1/q failed: QueueDoesNotExist (HTTP 400): The specified queue does not exist.',
    );
  });

  it('names a network error when the service never answered, and leaves other errors alone', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const error = describeAwsFailure(
      new DependencyError('sqs', 'SendMessage', true, undefined, { cause }),
      'queue q',
    );
    expect((error as CliError).message).toBe(
      'sqs SendMessage on queue q failed: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9',
    );
    const bug = new TypeError('x');
    expect(describeAwsFailure(bug, 'queue q')).toBe(bug);
  });
});
