import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../shared/ledger/Ledger';
import { completionEventId } from '../../../shared/pipeline/buildCompletionEvent';
import type { CompletionEvent } from '../../../shared/pipeline/CompletionEvent';
import { PublishingLedger } from '../../../shared/pipeline/PublishingLedger';
import { sweepCompletions } from '../../../shared/pipeline/sweepCompletions';
import {
  type CompletionSweepWindow,
  unannouncedRequests,
} from '../../../shared/pipeline/unannouncedRequests';
import { InMemoryLedger } from '../../support/InMemoryLedger';

const NOW = new Date('2026-03-20T12:00:00.000Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();
const WINDOW: CompletionSweepWindow = {
  now: NOW,
  windowMs: 30 * 86_400_000,
  settleMs: 15 * 60_000,
  limit: 50,
};
const SUBJECT_HASH = 'ab'.repeat(32);

/** A request as the pipeline records it: received (with its subject hash), then the given steps. */
function request(
  requestId: string,
  steps: { state: string; hoursAgo: number; detail?: LedgerEntry['detail'] }[],
) {
  return [
    {
      requestId,
      state: 'received',
      stage: 'extract-standard',
      at: hoursAgo(steps[0] ? steps[0].hoursAgo + 1 : 1),
      traceId: 't',
      detail: { subjectHash: SUBJECT_HASH, jurisdiction: 'GDPR', type: 'access', email: 'never@example.com' },
    },
    ...steps.map((s) => ({
      requestId,
      state: s.state,
      stage: s.state === 'cancelled' ? 'operator' : 'load',
      at: hoursAgo(s.hoursAgo),
      traceId: 't',
      ...(s.detail ? { detail: s.detail } : {}),
    })),
  ] as LedgerEntry[];
}

/** A topic that refuses publishes while `down` is set, and keeps what it accepted. */
function topic() {
  const state = { down: false, accepted: [] as CompletionEvent[], refused: 0 };
  return {
    state,
    publisher: {
      publish: async (event: CompletionEvent) => {
        if (state.down) {
          state.refused += 1;
          throw new Error('SNS unavailable');
        }
        state.accepted.push(event);
      },
    },
  };
}

describe('Function: unannouncedRequests', () => {
  const evidenceHash = 'cd'.repeat(32);

  it('picks a terminal request without its completion_published annotation, oldest first, and nothing else', () => {
    const entries = [
      ...request('REQ-LOADED', [
        { state: 'loading', hoursAgo: 5 },
        { state: 'loaded', hoursAgo: 5, detail: { rows: 3, evidenceHash } },
      ]),
      ...request('REQ-CANCELLED', [{ state: 'cancelled', hoursAgo: 48 }]),
      ...request('REQ-OPEN', [{ state: 'loading', hoursAgo: 2 }]),
    ];
    expect(unannouncedRequests(entries, WINDOW)).toEqual(['REQ-CANCELLED', 'REQ-LOADED']);
  });

  it('leaves a request announced for its last terminal state, and takes one announced only for an earlier one', () => {
    const entries = [
      ...request('REQ-DONE', [{ state: 'cancelled', hoursAgo: 3 }]),
      ...request('REQ-REDRIVEN', [
        { state: 'dead_lettered', hoursAgo: 10 },
        { state: 'retrying', hoursAgo: 9 },
        { state: 'loaded', hoursAgo: 8, detail: { rows: 1, evidenceHash } },
      ]),
    ];
    const published = (requestId: string, state: string, eventId: string): LedgerEntry => ({
      requestId,
      state: 'completion_published',
      stage: `completion-${state.replaceAll('_', '-')}`,
      at: hoursAgo(1),
      traceId: 't',
      detail: { eventId, state },
    });
    entries.push(
      published('REQ-DONE', 'cancelled', completionEventId('REQ-DONE', 'cancelled')),
      published('REQ-REDRIVEN', 'dead_lettered', completionEventId('REQ-REDRIVEN', 'dead_lettered')),
    );
    expect(unannouncedRequests(entries, WINDOW)).toEqual(['REQ-REDRIVEN']);
  });

  it('leaves terminal states older than the window, and those too recent for the stage to have published', () => {
    const entries = [
      ...request('REQ-OLD', [{ state: 'cancelled', hoursAgo: 31 * 24 }]),
      ...request('REQ-JUST-NOW', [{ state: 'cancelled', hoursAgo: 0.1 }]),
      ...request('REQ-IN-WINDOW', [{ state: 'cancelled', hoursAgo: 29 * 24 }]),
    ];
    expect(unannouncedRequests(entries, WINDOW)).toEqual(['REQ-IN-WINDOW']);
  });

  it('takes at most the limit per sweep, the oldest first', () => {
    const entries = [3, 1, 2].flatMap((n) => request(`REQ-${n}`, [{ state: 'cancelled', hoursAgo: 10 * n }]));
    expect(unannouncedRequests(entries, { ...WINDOW, limit: 2 })).toEqual(['REQ-3', 'REQ-2']);
  });
});

describe('Function: sweepCompletions', () => {
  it('announces a terminal request whose publish failed on the next sweep, and never again', async () => {
    // Prepare: the load records loaded, the topic refuses its event (the record's last delivery).
    const store = new InMemoryLedger();
    const { state, publisher } = topic();
    const ledger = new PublishingLedger(store, publisher, { packageBucket: 'payloads', now: () => NOW });
    const [received, loading, loaded] = request('REQ-1', [
      { state: 'loading', hoursAgo: 2 },
      { state: 'loaded', hoursAgo: 2, detail: { rows: 3, evidenceHash: 'ef'.repeat(32) } },
    ]);
    await store.appendAll([received, loading] as LedgerEntry[]);
    state.down = true;
    await expect(ledger.append(loaded as LedgerEntry)).rejects.toThrow('SNS unavailable');
    expect(store.states('REQ-1')).toEqual(['received', 'loading', 'loaded']);

    // Act: a sweep while the topic is still down, then one with it back, then another.
    const down = await sweepCompletions(ledger, store.entries, WINDOW);
    state.down = false;
    const first = await sweepCompletions(ledger, store.entries, WINDOW);
    const second = await sweepCompletions(ledger, store.entries, WINDOW);

    // Assess: the failed sweep says so; the next announces once and records it; the last does nothing.
    expect(down).toMatchObject({ announced: [], failed: 'REQ-1' });
    expect(first).toEqual({ announced: ['REQ-1'] });
    expect(second).toEqual({ announced: [] });
    expect(state.accepted).toHaveLength(1);
    const [event] = state.accepted;
    expect(event).toMatchObject({
      requestId: 'REQ-1',
      state: 'loaded',
      type: 'access',
      rows: 3,
      packageLocation: 's3://payloads/packages/REQ-1/',
    });
    expect(store.entries.filter((e) => e.state === 'completion_published')).toEqual([
      expect.objectContaining({
        stage: 'completion-loaded',
        detail: { eventId: event?.eventId, state: 'loaded' },
      }),
    ]);
    // No identifier, no subject hash: only codes, counts, hashes and the location.
    const text = JSON.stringify(event);
    expect(text).not.toContain('never@example.com');
    expect(text).not.toContain(SUBJECT_HASH);
  });

  it('does not announce again a request the stage already announced', async () => {
    const store = new InMemoryLedger();
    const { state, publisher } = topic();
    const ledger = new PublishingLedger(store, publisher, { packageBucket: 'payloads', now: () => NOW });
    const [received, cancelled] = request('REQ-2', [{ state: 'cancelled', hoursAgo: 2 }]);
    await store.append(received as LedgerEntry);
    await ledger.append(cancelled as LedgerEntry);
    expect(state.accepted).toHaveLength(1);

    expect(await sweepCompletions(ledger, store.entries, WINDOW)).toEqual({ announced: [] });
    expect(state.accepted).toHaveLength(1);
  });

  it('stops at the first refused publish, so a topic that is down is not tried once per request', async () => {
    const store = new InMemoryLedger();
    const { state, publisher } = topic();
    const ledger = new PublishingLedger(store, publisher, { packageBucket: 'payloads', now: () => NOW });
    for (const n of [1, 2, 3])
      await store.appendAll(request(`REQ-${n}`, [{ state: 'cancelled', hoursAgo: n }]));
    state.down = true;
    const outcome = await sweepCompletions(ledger, store.entries, WINDOW);
    expect(outcome).toMatchObject({ announced: [], failed: 'REQ-3' });
    expect(state.refused).toBe(1);
  });

  it('announces nothing through a ledger without a publisher', async () => {
    const store = new InMemoryLedger();
    await store.appendAll(request('REQ-3', [{ state: 'cancelled', hoursAgo: 2 }]));
    expect(await sweepCompletions(store, store.entries, WINDOW)).toEqual({ announced: [] });
  });
});
