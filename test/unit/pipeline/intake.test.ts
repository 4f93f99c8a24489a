import { describe, expect, it } from 'vitest';
import { addPeriod } from '../../../shared/intake/addPeriod';
import { computeDeadline } from '../../../shared/intake/computeDeadline';
import { JURISDICTION_RULES } from '../../../shared/intake/jurisdictions';
import { MalformedRequestError } from '../../../shared/intake/MalformedRequestError';
import { parseIntakeMessage } from '../../../shared/intake/parseIntakeMessage';
import { shouldPromote } from '../../../shared/intake/shouldPromote';

const kinds = ['email', 'user_id', 'phone'];
const EMAIL = 'ana.lopez@example.com';

function message(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: 1,
    requestId: 'req-1',
    type: 'access',
    subject: { email: EMAIL },
    jurisdiction: 'GDPR',
    receivedAt: '2026-01-31T10:00:00Z',
    ...overrides,
  });
}

function reasonOf(body: string, options: { maxBytes?: number } = {}): string {
  try {
    parseIntakeMessage(body, { identityKinds: kinds, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedRequestError);
    const e = error as MalformedRequestError;
    expect(e.retryable).toBe(false);
    expect(e.message).not.toContain(EMAIL);
    return e.reason;
  }
  throw new Error('expected a refusal');
}

describe('Function: parseIntakeMessage', () => {
  it('accepts a valid request, wraps a single value in a list and computes the GDPR deadline', () => {
    const request = parseIntakeMessage(message(), { identityKinds: kinds });
    expect(request.subject).toEqual({ email: [EMAIL] });
    expect(request.deadline).toBe('2026-02-28T10:00:00.000Z');
    expect(request.deadlineComputed).toBe(true);
  });

  it("keeps the subject's language when given, and refuses one that is not a language tag", () => {
    expect(parseIntakeMessage(message({ language: 'de-AT' }), { identityKinds: kinds }).language).toBe(
      'de-AT',
    );
    expect(parseIntakeMessage(message(), { identityKinds: kinds })).not.toHaveProperty('language');
    expect(reasonOf(message({ language: '<script>' }))).toBe('bad_shape');
  });

  it('keeps a given deadline', () => {
    const request = parseIntakeMessage(message({ deadline: '2026-02-10T00:00:00Z' }), {
      identityKinds: kinds,
    });
    expect(request.deadline).toBe('2026-02-10T00:00:00.000Z');
    expect(request.deadlineComputed).toBe(false);
  });

  it.each([
    ['not_json', '{ nope'],
    ['bad_shape', '[1,2]'],
    ['unknown_version', message({ version: 2 })],
    ['bad_shape', message({ type: 'rectify' })],
    ['bad_shape', message({ extra: EMAIL })],
    ['no_identifier', message({ subject: {} })],
    ['no_identifier', message({ subject: { email: ['  '] } })],
    ['unknown_identity_kind', message({ subject: { passport: 'X123' } })],
    ['unknown_identity_kind', message({ subject: { [EMAIL]: 'x' } })],
    ['bad_date', message({ receivedAt: 'yesterday' })],
    ['bad_date', message({ receivedAt: '2026-02-30T00:00:00Z' })],
    ['bad_date', message({ receivedAt: '2026-01-01T00:00:00' })],
    ['bad_date', message({ deadline: '2025-01-01T00:00:00Z' })],
    ['unknown_jurisdiction', message({ jurisdiction: 'PIPEDA' })],
  ])('refuses with reason %s', (reason, body) => {
    expect(reasonOf(body)).toBe(reason);
  });

  it('refuses an oversized message before parsing it, with a configurable limit', () => {
    expect(reasonOf(message({ subject: { email: 'x'.repeat(70_000) } }))).toBe('oversized');
    expect(reasonOf(message(), { maxBytes: 100 })).toBe('oversized');
  });

  it('never echoes a hostile identity kind', () => {
    try {
      parseIntakeMessage(message({ subject: { [EMAIL]: 'x' } }), { identityKinds: kinds });
    } catch (error) {
      expect((error as Error).message).toContain('(not shown)');
    }
  });
});

describe('Function: addPeriod / computeDeadline', () => {
  const gdpr = (iso: string) => computeDeadline(new Date(iso), 'GDPR').toISOString();

  it('adds one calendar month for GDPR, clamped to the last day of a shorter month', () => {
    expect(gdpr('2026-01-15T08:00:00Z')).toBe('2026-02-15T08:00:00.000Z');
    expect(gdpr('2026-01-31T08:00:00Z')).toBe('2026-02-28T08:00:00.000Z');
    expect(gdpr('2028-01-31T08:00:00Z')).toBe('2028-02-29T08:00:00.000Z');
    expect(gdpr('2026-03-31T00:00:00Z')).toBe('2026-04-30T00:00:00.000Z');
    expect(gdpr('2026-12-31T23:59:59Z')).toBe('2027-01-31T23:59:59.000Z');
    expect(gdpr('2028-02-29T12:00:00Z')).toBe('2028-03-29T12:00:00.000Z');
  });

  it('adds 45 calendar days for CCPA, across a leap day', () => {
    expect(computeDeadline(new Date('2028-02-01T00:00:00Z'), 'CCPA').toISOString()).toBe(
      '2028-03-17T00:00:00.000Z',
    );
    expect(computeDeadline(new Date('2026-02-01T00:00:00Z'), 'CCPA').toISOString()).toBe(
      '2026-03-18T00:00:00.000Z',
    );
  });

  it('uses configured rules and refuses unknown jurisdictions', () => {
    const rules = { XX: { code: 'XX', citation: 'test', response: { unit: 'days' as const, count: 15 } } };
    expect(computeDeadline(new Date('2026-01-01T00:00:00Z'), 'XX', rules).toISOString()).toBe(
      '2026-01-16T00:00:00.000Z',
    );
    expect(JURISDICTION_RULES.LGPD?.response).toEqual({ unit: 'days', count: 15 });
    expect(() => computeDeadline(new Date(), 'GDPR', rules)).toThrow(MalformedRequestError);
    expect(addPeriod(new Date('2026-10-31T00:00:00Z'), { unit: 'months', count: 4 }).toISOString()).toBe(
      '2027-02-28T00:00:00.000Z',
    );
  });
});

describe('Function: shouldPromote', () => {
  const now = new Date('2026-03-01T00:00:00Z');
  it('promotes within the window (default 7 days) and past the deadline, not before', () => {
    expect(shouldPromote(new Date('2026-03-08T00:00:00Z'), now)).toBe(true);
    expect(shouldPromote(new Date('2026-03-08T00:00:01Z'), now)).toBe(false);
    expect(shouldPromote(new Date('2026-02-20T00:00:00Z'), now)).toBe(true);
    expect(shouldPromote(new Date('2026-03-20T00:00:00Z'), now, 30)).toBe(true);
  });
});
