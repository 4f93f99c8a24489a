import { describe, expect, it } from 'vitest';
import { failureKindOf, isDependencyFault, isRetryable } from '../../../shared/errors/DsrError';
import { UnexpectedDataError } from '../../../shared/errors/errors';
import { stackFingerprint } from '../../../shared/errors/stackFingerprint';
import { MalformedRequestError } from '../../../shared/intake/MalformedRequestError';
import { PostgresError } from '../../../shared/postgres/errors';
import { DependencyUnavailableError } from '../../../shared/resilience/DependencyUnavailableError';
import { ComplianceMetrics } from '../../../shared/telemetry/ComplianceMetrics';
import { createLogger } from '../../../shared/telemetry/createLogger';
import { serializeError, UNCLASSIFIED_MESSAGE } from '../../../shared/telemetry/serializeError';

describe('Function: serializeError', () => {
  it('keeps class, code and retry class, and scrubs given values case-insensitively', () => {
    const error = new PostgresError(
      'duplicate key (email)=(Ana@Example.com) for +44 20 7946',
      false,
      '23505',
      false,
    );
    const out = serializeError(error, ['ana@example.com', '+44 20 7946']);
    expect(out).toEqual({
      errorClass: 'PostgresError',
      code: 'PG_23505',
      retryable: false,
      kind: 'permanent',
      dependency: 'postgres',
      message: 'duplicate key (email)=([redacted]) for [redacted]',
    });
    expect(serializeError(new MalformedRequestError('not_json', 'x'))).toMatchObject({
      errorClass: 'MalformedRequestError',
      code: 'MALFORMED_REQUEST',
      retryable: false,
    });
  });
});

describe('Function: serializeError (internal errors)', () => {
  it('reports an unclassified error as INTERNAL_ERROR, not retryable, with a fingerprint and no message', () => {
    const error = new TypeError("Cannot read properties of null (reading 'ana@example.com')");
    const out = serializeError(error);
    expect(out).toMatchObject({
      errorClass: 'TypeError',
      code: 'INTERNAL_ERROR',
      retryable: false,
      kind: 'internal',
      message: UNCLASSIFIED_MESSAGE,
    });
    expect(out.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(out)).not.toContain('ana@example.com');
  });

  it('keeps the message of a typed internal error and reports its class', () => {
    const out = serializeError(new UnexpectedDataError('a primary-key value is NULL'));
    expect(out).toMatchObject({
      errorClass: 'UnexpectedDataError',
      code: 'INTERNAL_ERROR',
      kind: 'internal',
      message: 'a primary-key value is NULL',
    });
  });
});

describe('Function: stackFingerprint', () => {
  const throwAt = (message: string) => {
    try {
      throw new TypeError(message);
    } catch (error) {
      return error;
    }
  };
  it('is the same for the same throw site whatever the message, and differs between sites', () => {
    const a = [1, 2].map((i) => throwAt(`value ${i}`));
    expect(stackFingerprint(a[0])).toBe(stackFingerprint(a[1]));
    expect(stackFingerprint(new TypeError('x'))).not.toBe(stackFingerprint(a[0]));
    expect(stackFingerprint(new RangeError('x'))).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('Function: failureKindOf', () => {
  it('classifies each kind of error once', () => {
    expect(failureKindOf(new PostgresError('reset', true, '08006', true))).toBe('dependency');
    expect(failureKindOf(new PostgresError('denied', false, '42501', false))).toBe('permanent');
    expect(failureKindOf(new DependencyUnavailableError('postgres', 1000))).toBe('transient');
    expect(failureKindOf(new MalformedRequestError('not_json', 'x'))).toBe('permanent');
    expect(failureKindOf(new TypeError('x'))).toBe('internal');
    expect(failureKindOf('a string')).toBe('internal');
    expect(failureKindOf(new UnexpectedDataError('x'))).toBe('internal');
    expect(isRetryable(new Error('plain'))).toBe(false);
    expect(isDependencyFault(new PostgresError('reset', true, '08006', true), 'postgres')).toBe(true);
    expect(isDependencyFault(new PostgresError('reset', true, '08006', true), 'snowflake')).toBe(false);
    expect(isDependencyFault(new TypeError('x'), 'postgres')).toBe(false);
  });
});

describe('Function: createLogger', () => {
  it('writes JSON lines with the service name to the injected sink', () => {
    const lines: string[] = [];
    createLogger({ sink: (l) => lines.push(l) }).info('hello', { requestId: 'r1', stage: 'gate' });
    const line = JSON.parse(lines[0] ?? '{}');
    expect(line).toMatchObject({ message: 'hello', service: 'dsr-bridge', requestId: 'r1', stage: 'gate' });
  });
});

describe('Class: ComplianceMetrics', () => {
  it('emits one EMF line: namespace DsrBridge, aggregate and detailed dimension sets, hash as a property', () => {
    const lines: string[] = [];
    new ComplianceMetrics((l) => lines.push(l)).gateViolation({
      driftType: 'column_added',
      errorCategory: 'schema_drift',
      requestId: 'r1',
      subjectHash: 'ab'.repeat(32),
    });
    expect(lines).toHaveLength(1);
    const emf = JSON.parse(lines[0] ?? '{}');
    const directive = emf._aws.CloudWatchMetrics[0];
    expect(directive.Namespace).toBe('DsrBridge');
    expect(directive.Dimensions).toEqual([['service'], ['service', 'driftType', 'errorCategory']]);
    expect(directive.Metrics).toEqual([{ Name: 'ComplianceGateViolation', Unit: 'Count' }]);
    expect(emf).toMatchObject({
      service: 'dsr-bridge',
      ComplianceGateViolation: 1,
      subjectHash: 'ab'.repeat(32),
    });
    expect(directive.Dimensions.flat()).not.toContain('subjectHash');
  });
});
