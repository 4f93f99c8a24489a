import { describe, expect, it } from 'vitest';
import { decideRequestAction } from '../../../shared/audit/decideRequestAction';
import { parseReason, parseRequestAction } from '../../../shared/audit/RequestAction';
import { requestClock } from '../../../shared/audit/requestClock';
import { addPeriod } from '../../../shared/intake/addPeriod';
import { computeAcknowledgementDeadline, computeDeadline } from '../../../shared/intake/computeDeadline';
import { JURISDICTION_RULES } from '../../../shared/intake/jurisdictions';
import { MalformedRequestError } from '../../../shared/intake/MalformedRequestError';
import type { LedgerEntry } from '../../../shared/ledger/Ledger';

describe('Table: response deadlines per jurisdiction', () => {
  // [jurisdiction, received, expected deadline]
  const cases: [string, string, string][] = [
    ['GDPR', '2026-01-15T08:00:00Z', '2026-02-15T08:00:00.000Z'],
    ['GDPR', '2026-01-31T08:00:00Z', '2026-02-28T08:00:00.000Z'], // month end, short February
    ['GDPR', '2028-01-31T08:00:00Z', '2028-02-29T08:00:00.000Z'], // leap year
    ['GDPR', '2028-02-29T12:00:00Z', '2028-03-29T12:00:00.000Z'], // from a leap day
    ['GDPR', '2026-08-31T00:00:00Z', '2026-09-30T00:00:00.000Z'],
    ['GDPR', '2026-12-31T23:59:59Z', '2027-01-31T23:59:59.000Z'], // year end
    ['UK_GDPR', '2026-03-31T10:00:00Z', '2026-04-30T10:00:00.000Z'],
    ['UK_GDPR', '2027-01-29T10:00:00Z', '2027-02-28T10:00:00.000Z'],
    ['CCPA', '2028-02-01T00:00:00Z', '2028-03-17T00:00:00.000Z'], // 45 days across 29 February
    ['CCPA', '2026-02-01T00:00:00Z', '2026-03-18T00:00:00.000Z'],
    ['CCPA', '2026-12-15T09:30:00Z', '2027-01-29T09:30:00.000Z'], // across the year end
    ['LGPD', '2026-01-01T00:00:00Z', '2026-01-16T00:00:00.000Z'],
    ['LGPD', '2028-02-20T00:00:00Z', '2028-03-06T00:00:00.000Z'], // across 29 February
  ];
  it.each(cases)('%s received %s is due %s', (jurisdiction, received, expected) => {
    expect(computeDeadline(new Date(received), jurisdiction).toISOString()).toBe(expected);
  });

  it('refuses a jurisdiction it has no rule for', () => {
    expect(() => computeDeadline(new Date('2026-01-01T00:00:00Z'), 'PIPEDA')).toThrow(MalformedRequestError);
  });
});

describe('Table: CCPA acknowledgement, 10 business days (Mon–Fri, listed holidays excluded)', () => {
  const ccpa = JURISDICTION_RULES.CCPA;
  if (!ccpa) throw new Error('CCPA rule missing');
  // [received, holidays, expected acknowledgement deadline]
  const cases: [string, string[], string][] = [
    ['2026-03-02T09:00:00Z', [], '2026-03-16T09:00:00.000Z'], // Monday → Monday two weeks on
    ['2026-03-06T17:00:00Z', [], '2026-03-20T17:00:00.000Z'], // Friday → Friday
    ['2026-03-07T12:00:00Z', [], '2026-03-20T12:00:00.000Z'], // Saturday: counting starts Monday
    ['2028-02-25T08:00:00Z', [], '2028-03-10T08:00:00.000Z'], // across 29 February (a Tuesday)
    ['2026-12-24T08:00:00Z', ['2026-12-25', '2027-01-01'], '2027-01-11T08:00:00.000Z'], // two holidays skipped
    ['2026-11-20T08:00:00Z', ['2026-11-26', '2026-11-27'], '2026-12-08T08:00:00.000Z'], // Thanksgiving
  ];
  it.each(cases)('received %s (holidays %j) is acknowledged by %s', (received, holidays, expected) => {
    expect(computeAcknowledgementDeadline(new Date(received), ccpa, new Set(holidays))?.toISOString()).toBe(
      expected,
    );
  });

  it('never ends a business-day period on a weekend or holiday', () => {
    expect(
      addPeriod(new Date('2026-03-06T00:00:00Z'), { unit: 'businessDays', count: 1 }).toISOString(),
    ).toBe('2026-03-09T00:00:00.000Z');
    expect(
      addPeriod(
        new Date('2026-03-06T00:00:00Z'),
        { unit: 'businessDays', count: 1 },
        new Set(['2026-03-09']),
      ),
    ).toEqual(new Date('2026-03-10T00:00:00.000Z'));
  });

  it('has no acknowledgement period for GDPR', () => {
    const gdpr = JURISDICTION_RULES.GDPR;
    expect(gdpr && computeAcknowledgementDeadline(new Date(), gdpr)).toBeUndefined();
  });
});

const received = (jurisdiction: string, receivedAt: string, computed = true): LedgerEntry => ({
  requestId: 'REQ-1',
  state: 'received',
  at: receivedAt,
  stage: 'extract-standard',
  traceId: 't',
  detail: {
    subjectHash: 'h',
    jurisdiction,
    receivedAt,
    deadline: computeDeadline(new Date(receivedAt), jurisdiction).toISOString(),
    deadlineComputed: computed,
  },
});
const extend = parseRequestAction({ action: 'extend', requestId: 'REQ-1', reason: 'complexity' });
const ctx = (now: string) => ({ now: new Date(now), stage: 'operator', traceId: 't' });

describe('Function: decideRequestAction (extend)', () => {
  // [jurisdiction, received, recorded at, expected new deadline]
  const cases: [string, string, string, string][] = [
    ['GDPR', '2026-01-31T08:00:00Z', '2026-02-10T00:00:00Z', '2026-04-30T08:00:00.000Z'], // 3 months from receipt
    ['GDPR', '2026-11-30T08:00:00Z', '2026-12-01T00:00:00Z', '2027-02-28T08:00:00.000Z'],
    ['UK_GDPR', '2027-12-31T00:00:00Z', '2028-01-05T00:00:00Z', '2028-03-31T00:00:00.000Z'],
    ['CCPA', '2026-01-01T00:00:00Z', '2026-02-14T00:00:00Z', '2026-04-01T00:00:00.000Z'], // 90 days
    ['CCPA', '2028-01-15T00:00:00Z', '2028-01-20T00:00:00Z', '2028-04-14T00:00:00.000Z'], // 90 days incl. 29 Feb
  ];
  it.each(cases)('%s received %s, extended %s, is due %s', (jurisdiction, at, now, expected) => {
    const decision = decideRequestAction([received(jurisdiction, at)], extend, ctx(now));
    expect(decision.outcome).toBe('record');
    if (decision.outcome !== 'record') return;
    expect(decision.entry.state).toBe('extended');
    expect(decision.entry.detail?.deadline).toBe(expected);
    expect(decision.entry.detail?.reasonCode).toBe('complexity');
    // The clock now reads the extended deadline.
    expect(requestClock([received(jurisdiction, at), decision.entry])?.deadline.toISOString()).toBe(expected);
  });

  it('moves a deadline the intake system gave by the extension length', () => {
    const given = { ...received('GDPR', '2026-01-31T08:00:00Z', false) };
    const decision = decideRequestAction([given], extend, ctx('2026-02-01T00:00:00Z'));
    expect(decision.outcome === 'record' && decision.entry.detail?.deadline).toBe('2026-04-28T08:00:00.000Z');
  });

  it('refuses an extension recorded after the notice window (GDPR: one month from receipt)', () => {
    const decision = decideRequestAction(
      [received('GDPR', '2026-01-31T08:00:00Z')],
      extend,
      ctx('2026-02-28T08:00:00.001Z'),
    );
    expect(decision).toMatchObject({ outcome: 'refuse', refusal: 'extension_too_late' });
    const inTime = decideRequestAction(
      [received('GDPR', '2026-01-31T08:00:00Z')],
      extend,
      ctx('2026-02-28T08:00:00Z'),
    );
    expect(inTime.outcome).toBe('record');
  });

  it('refuses a CCPA extension after day 45', () => {
    const decision = decideRequestAction(
      [received('CCPA', '2026-01-01T00:00:00Z')],
      extend,
      ctx('2026-02-15T00:00:01Z'),
    );
    expect(decision).toMatchObject({ outcome: 'refuse', refusal: 'extension_too_late' });
  });

  it('refuses a second extension', () => {
    const first = decideRequestAction(
      [received('CCPA', '2026-01-01T00:00:00Z')],
      extend,
      ctx('2026-01-10T00:00:00Z'),
    );
    if (first.outcome !== 'record') throw new Error('first extension refused');
    const second = decideRequestAction(
      [received('CCPA', '2026-01-01T00:00:00Z'), first.entry],
      extend,
      ctx('2026-01-11T00:00:00Z'),
    );
    expect(second).toMatchObject({ outcome: 'refuse', refusal: 'extension_repeated' });
  });

  it('refuses an extension where the law gives none (LGPD), of an unknown or ended request', () => {
    expect(
      decideRequestAction([received('LGPD', '2026-01-01T00:00:00Z')], extend, ctx('2026-01-02T00:00:00Z')),
    ).toMatchObject({ outcome: 'refuse', refusal: 'no_extension_in_jurisdiction' });
    expect(decideRequestAction([], extend, ctx('2026-01-02T00:00:00Z'))).toMatchObject({
      outcome: 'refuse',
      refusal: 'unknown_request',
    });
    const loaded: LedgerEntry = { ...received('GDPR', '2026-01-01T00:00:00Z'), state: 'loaded', detail: {} };
    expect(
      decideRequestAction(
        [received('GDPR', '2026-01-01T00:00:00Z'), loaded],
        extend,
        ctx('2026-01-02T00:00:00Z'),
      ),
    ).toMatchObject({ outcome: 'refuse', refusal: 'request_ended' });
  });
});

describe('Function: decideRequestAction (cancel)', () => {
  const cancel = parseRequestAction({ action: 'cancel', requestId: 'REQ-1', reason: 'withdrawn: by phone' });

  it('records a cancellation with the reason code and the hash of the text, never the text', () => {
    const decision = decideRequestAction(
      [received('GDPR', '2026-01-01T00:00:00Z')],
      cancel,
      ctx('2026-01-02T00:00:00Z'),
    );
    expect(decision.outcome).toBe('record');
    if (decision.outcome !== 'record') return;
    expect(decision.entry.state).toBe('cancelled');
    expect(decision.entry.detail?.reasonCode).toBe('withdrawn');
    expect(decision.entry.detail?.reasonTextHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(decision.entry)).not.toContain('phone');
  });

  it('refuses to cancel a request that ended, and a second cancellation', () => {
    const done = decideRequestAction(
      [received('GDPR', '2026-01-01T00:00:00Z')],
      cancel,
      ctx('2026-01-02T00:00:00Z'),
    );
    if (done.outcome !== 'record') throw new Error('cancel refused');
    expect(
      decideRequestAction(
        [received('GDPR', '2026-01-01T00:00:00Z'), done.entry],
        cancel,
        ctx('2026-01-03T00:00:00Z'),
      ),
    ).toMatchObject({ outcome: 'refuse', refusal: 'request_ended' });
  });
});

describe('Function: parseRequestAction', () => {
  it('accepts exactly action, requestId, reason (and version 1)', () => {
    expect(
      parseRequestAction({ version: 1, action: 'cancel', requestId: 'R-1', reason: 'duplicate' }),
    ).toEqual({
      action: 'cancel',
      requestId: 'R-1',
      reasonCode: 'duplicate',
    });
    for (const bad of [
      { action: 'cancel', requestId: 'R-1', reason: 'duplicate', subject: {} },
      { action: 'erase', requestId: 'R-1', reason: 'duplicate' },
      { action: 'cancel', requestId: 'R 1', reason: 'duplicate' },
      { action: 'cancel', requestId: 'R-1' },
      { action: 'extend', requestId: 'R-1', reason: 'withdrawn' }, // a cancel reason
      { action: 'cancel', requestId: 'R-1', reason: 'because Jane Doe said so' },
    ])
      expect(() => parseRequestAction(bad)).toThrow(MalformedRequestError);
  });

  it('never puts the free text into its refusal', () => {
    try {
      parseReason('cancel', 'jane@example.com asked');
    } catch (error) {
      expect(String(error)).not.toContain('jane');
      return;
    }
    throw new Error('not refused');
  });
});
