import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../shared/ledger/Ledger';
import { ForwardedLedger, readLedgerMessage } from '../../../shared/pipeline/ForwardedLedger';
import type { MessageQueue } from '../../../shared/pipeline/MessageQueue';

function ledgerWithQueue() {
  const sent: { url: string; body: string }[] = [];
  const queue: MessageQueue = {
    send: async (url, body) => {
      sent.push({ url, body });
      return `m-${sent.length}`;
    },
    sendToDeadLetter: async () => undefined,
    changeVisibility: async () => undefined,
  };
  return { ledger: new ForwardedLedger(queue, 'https://gate'), sent };
}

const entry = (state: LedgerEntry['state'], at: string): LedgerEntry => ({
  requestId: 'R1',
  state,
  at,
  stage: 'extract-high',
  traceId: 't',
});

describe('Class: ForwardedLedger', () => {
  it('keeps progress entries to ride along with the stage message, sending nothing on its own', async () => {
    const { ledger, sent } = ledgerWithQueue();
    await ledger.append(entry('received', '2026-01-01T00:00:00.000Z'));
    await ledger.append(entry('discovering', '2026-01-01T00:00:00.001Z'));
    expect(sent).toEqual([]);
    expect(ledger.carried('R1').map((e) => e.state)).toEqual(['received', 'discovering']);
    expect((await ledger.history('R1')).map((e) => e.state)).toEqual(['received', 'discovering']);
  });

  it('forwards the unsent entries once a failure means no stage message follows', async () => {
    const { ledger, sent } = ledgerWithQueue();
    await ledger.append(entry('received', '2026-01-01T00:00:00.000Z'));
    await ledger.append(entry('retrying', '2026-01-01T00:00:01.000Z'));
    await ledger.append(entry('dead_lettered', '2026-01-01T00:00:02.000Z'));
    expect(sent.map((m) => m.url)).toEqual(['https://gate', 'https://gate']);
    expect(readLedgerMessage(sent[0]?.body ?? '')?.map((e) => e.state)).toEqual(['received', 'retrying']);
    expect(readLedgerMessage(sent[1]?.body ?? '')?.map((e) => e.state)).toEqual(['dead_lettered']);
  });

  it('reads only well-formed ledger messages', () => {
    expect(readLedgerMessage('{"kind":"dsr.stage"}')).toBeUndefined();
    expect(readLedgerMessage('{"kind":"dsr.ledger","version":1,"entries":[]}')).toBeUndefined();
    expect(readLedgerMessage('not json "dsr.ledger"')).toBeUndefined();
  });
});
