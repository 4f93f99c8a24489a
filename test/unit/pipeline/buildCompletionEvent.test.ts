import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../shared/ledger/Ledger';
import { buildCompletionEvent } from '../../../shared/pipeline/buildCompletionEvent';
import { completionEventSchema } from '../../../shared/pipeline/CompletionEvent';
import { PublishingLedger } from '../../../shared/pipeline/PublishingLedger';
import { snowflakeQueryTag } from '../../../shared/snowflake/SnowflakeDatabase';
import { InMemoryLedger } from '../../support/InMemoryLedger';

const EVIDENCE = 'a'.repeat(64);
const RECEIPT = 'b'.repeat(64);
const SUBJECT_HASH = 'c'.repeat(64);
/** The subject's values: an event must carry none of them, nor the keyed subject hash. */
const SUBJECT = ['ana.lopez@example.com', 'Ána Łópez', '+44 20 7946 0011'];

const entry = (state: LedgerEntry['state'], detail?: LedgerEntry['detail']): LedgerEntry => ({
  requestId: 'REQ-1',
  state,
  at: '2026-03-01T10:00:00.000Z',
  stage: 'load',
  traceId: 'trace-1',
  ...(detail ? { detail } : {}),
});

/** A history whose entries carry the subject's hash and, as a careless stage might, its values. */
const history = (type: 'access' | 'erasure'): LedgerEntry[] => [
  entry('received', {
    subjectHash: SUBJECT_HASH,
    type,
    jurisdiction: 'GDPR',
    receivedAt: '2026-03-01T09:00:00.000Z',
    note: SUBJECT[0] as string,
  }),
];

describe('Function: buildCompletionEvent', () => {
  it('announces an answered access request with its package location and evidence hash', () => {
    const event = buildCompletionEvent(
      entry('loaded', { rows: 12, evidenceHash: EVIDENCE }),
      history('access'),
      { packageBucket: 'dsr-payloads' },
    );
    expect(event).toEqual({
      kind: 'dsr.request-completed',
      version: 1,
      eventId: expect.stringMatching(/^[0-9a-f]{64}$/),
      requestId: 'REQ-1',
      type: 'access',
      state: 'loaded',
      final: true,
      at: '2026-03-01T10:00:00.000Z',
      jurisdiction: 'GDPR',
      packageLocation: 's3://dsr-payloads/packages/REQ-1/',
      evidenceHash: EVIDENCE,
      rows: 12,
    });
  });

  it('announces an erasure with its receipt hash, and a cancellation with its reason and no package', () => {
    const erased = buildCompletionEvent(
      entry('erased', { receiptHash: RECEIPT, planHash: 'd'.repeat(64) }),
      history('erasure'),
      { packageBucket: 'b' },
    );
    const cancelled = buildCompletionEvent(
      entry('cancelled', { reasonCode: 'identity_not_verified', reasonText: SUBJECT[1] as string }),
      history('access'),
      { packageBucket: 'b' },
    );
    expect(erased).toMatchObject({ type: 'erasure', state: 'erased', receiptHash: RECEIPT });
    expect(cancelled).toMatchObject({ state: 'cancelled', reason: 'identity_not_verified', final: true });
    expect(cancelled).not.toHaveProperty('packageLocation');
  });

  it('marks a dead-lettered request as not final (a redrive may resume it)', () => {
    const event = buildCompletionEvent(entry('dead_lettered', { errorCode: 'SF_NO_WAREHOUSE' }), [], {
      packageBucket: 'b',
    });
    // An upper-case error code is not a reason code; it is left out rather than reshaped.
    expect(event).toMatchObject({ state: 'dead_lettered', final: false });
    expect(event).not.toHaveProperty('reason');
  });

  it('carries no identifier, value or subject hash, whatever the entries hold', () => {
    for (const state of ['loaded', 'erased', 'erasure_unverified', 'quarantined', 'cancelled'] as const) {
      const event = buildCompletionEvent(
        entry(state, {
          evidenceHash: EVIDENCE,
          subjectHash: SUBJECT_HASH,
          reasonCode: SUBJECT[0] as string,
          driftType: SUBJECT[2] as string,
          email: SUBJECT[0] as string,
        }),
        history('access'),
        { packageBucket: 'b' },
      );
      const text = JSON.stringify(event);
      for (const value of [...SUBJECT, SUBJECT_HASH]) expect(text).not.toContain(value);
      expect(() => completionEventSchema.parse(event)).not.toThrow();
    }
  });

  it('announces nothing for a state that is not terminal, and the same id for the same completion', () => {
    expect(buildCompletionEvent(entry('gated'), [], { packageBucket: 'b' })).toBeUndefined();
    expect(buildCompletionEvent(entry('awaiting_approval'), [], { packageBucket: 'b' })).toBeUndefined();
    const a = buildCompletionEvent(entry('loaded'), [], { packageBucket: 'b' });
    const b = buildCompletionEvent({ ...entry('loaded'), at: '2026-03-02T00:00:00.000Z' }, [], {
      packageBucket: 'b',
    });
    expect(a?.eventId).toBe(b?.eventId);
  });
});

describe('Class: PublishingLedger', () => {
  it('publishes once a terminal state is appended, after the ledger holds it', async () => {
    const inner = new InMemoryLedger();
    const published: { state: string; held: boolean }[] = [];
    const ledger = new PublishingLedger(
      inner,
      {
        publish: async (event) => {
          published.push({ state: event.state, held: inner.states('REQ-1').includes(event.state) });
        },
      },
      { packageBucket: 'b' },
    );
    await ledger.appendAll(history('access'));
    await ledger.append(entry('loading'));
    await ledger.append(entry('loaded', { evidenceHash: EVIDENCE }));
    expect(published).toEqual([{ state: 'loaded', held: true }]);
    // The publish is recorded, as an annotation that does not move the request.
    expect(inner.states('REQ-1')).toEqual(['received', 'loading', 'loaded', 'completion_published']);
  });

  it('publishes a pending event only for a terminal last step without its record, and records it', async () => {
    const inner = new InMemoryLedger();
    const published: string[] = [];
    const ledger = new PublishingLedger(
      inner,
      { publish: async (event) => void published.push(event.state) },
      { packageBucket: 'b', now: () => new Date('2026-03-01T10:01:00.000Z') },
    );
    // Recorded straight into the ledger, as `dsr cancel` without a topic does.
    await inner.appendAll([...history('access'), entry('loading')]);
    expect(await ledger.publishPending(await inner.history('REQ-1'))).toBe(false);
    await inner.append(entry('cancelled', { reasonCode: 'withdrawn' }));
    expect(await ledger.publishPending(await inner.history('REQ-1'))).toBe(true);
    expect(await ledger.publishPending(await inner.history('REQ-1'))).toBe(false);
    expect(published).toEqual(['cancelled']);
    expect(inner.entries.at(-1)).toMatchObject({
      state: 'completion_published',
      at: '2026-03-01T10:01:00.000Z',
      stage: 'completion-cancelled',
    });
  });

  it("records a dead-lettered request's publish under a stage the ledger's query tag accepts", async () => {
    const inner = new InMemoryLedger();
    const ledger = new PublishingLedger(inner, { publish: async () => {} }, { packageBucket: 'b' });
    await inner.appendAll([...history('access'), entry('dead_lettered', { errorCode: 'INTERNAL_ERROR' })]);
    expect(await ledger.publishPending(await inner.history('REQ-1'))).toBe(true);
    const annotation = inner.entries.at(-1);
    expect(annotation).toMatchObject({ state: 'completion_published', stage: 'completion-dead-lettered' });
    // The Snowflake ledger tags its statements with the stage: an underscore there fails the append.
    expect(() => snowflakeQueryTag(annotation?.stage ?? '', 'REQ-1')).not.toThrow();
  });
});
