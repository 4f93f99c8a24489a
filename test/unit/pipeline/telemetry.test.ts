import { describe, expect, it } from 'vitest';
import { MalformedRequestError } from '../../../shared/intake/MalformedRequestError';
import { ComplianceMetrics } from '../../../shared/telemetry/ComplianceMetrics';
import { createLogger } from '../../../shared/telemetry/createLogger';
import { serializeError } from '../../../shared/telemetry/serializeError';

describe('Function: serializeError', () => {
  it('keeps class, code and retry class, and scrubs given values case-insensitively', () => {
    const error = new Error('duplicate key (email)=(Ana@Example.com) for +44 20 7946');
    const out = serializeError(error, ['ana@example.com', '+44 20 7946']);
    expect(out).toEqual({
      errorClass: 'Error',
      code: 'UNEXPECTED',
      retryable: true,
      message: 'duplicate key (email)=([redacted]) for [redacted]',
    });
    expect(serializeError(new MalformedRequestError('not_json', 'x'))).toMatchObject({
      errorClass: 'MalformedRequestError',
      code: 'MALFORMED_REQUEST',
      retryable: false,
    });
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
