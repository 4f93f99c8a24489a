import { describe, expect, it } from 'vitest';
import { classifyAwsError } from '../../../adapters/aws/classifyAwsError';
import { failureKindOf, isDependencyFault } from '../../../shared/errors/DsrError';
import { DependencyError } from '../../../shared/errors/errors';

/** An error shaped as the AWS SDK v3 throws it. */
function sdkError(name: string, status: number | undefined, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name}: queue https://sqs/123456789012/q for ana@example.com`), {
    name,
    ...(status !== undefined ? { $metadata: { httpStatusCode: status } } : {}),
    $fault: status !== undefined && status >= 500 ? 'server' : 'client',
    ...extra,
  });
}

describe('Function: classifyAwsError', () => {
  it.each([
    ['throttling', sdkError('ThrottlingException', 400), true],
    ['a 503', sdkError('ServiceUnavailable', 503), true],
    ['a 429', sdkError('TooManyRequests', 429), true],
    ['the SDK says retryable', sdkError('Whatever', 400, { $retryable: {} }), true],
    ['a reset socket', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['access denied', sdkError('AccessDenied', 403), false],
    ['a missing queue', sdkError('QueueDoesNotExist', 400), false],
  ])('names the dependency and classifies %s', (_, error, retryable) => {
    const classified = classifyAwsError('sqs', 'SendMessage', error);
    expect(classified).toBeInstanceOf(DependencyError);
    expect(classified.dependency).toBe('sqs');
    expect(classified.retryable).toBe(retryable);
    expect(classified.code).toBe(retryable ? 'SQS_UNAVAILABLE' : 'SQS_REFUSED');
    expect(failureKindOf(classified)).toBe(retryable ? 'dependency' : 'permanent');
    // Never the service's message: it may quote an ARN, a key or a value.
    expect(classified.message).not.toContain('ana@example.com');
    expect(classified.message).not.toContain('123456789012');
  });

  it('classifies what a Powertools secrets provider wraps by its cause', () => {
    const wrapped = Object.assign(new Error('x'), {
      name: 'GetParameterError',
      cause: sdkError('InternalServiceError', 500),
    });
    const denied = Object.assign(new Error('x'), {
      name: 'GetParameterError',
      cause: sdkError('AccessDeniedException', 400),
    });
    expect(classifyAwsError('secretsmanager', 'GetSecretValue', wrapped).retryable).toBe(true);
    expect(classifyAwsError('secretsmanager', 'GetSecretValue', denied).retryable).toBe(false);
    expect(
      classifyAwsError(
        'secretsmanager',
        'GetSecretValue',
        Object.assign(new Error('x'), { name: 'TransformParameterError' }),
      ).retryable,
    ).toBe(false);
  });

  it('counts an S3 fault towards no PostgreSQL or Snowflake breaker', () => {
    const classified = classifyAwsError('s3', 'PutObject', sdkError('SlowDown', 503));
    expect(isDependencyFault(classified, 's3')).toBe(true);
    expect(isDependencyFault(classified, 'postgres')).toBe(false);
    expect(isDependencyFault(classified, 'snowflake')).toBe(false);
  });
});
