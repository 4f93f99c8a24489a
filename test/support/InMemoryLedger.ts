import type { Ledger, LedgerEntry } from '../../shared/ledger/Ledger';

/**
 * A ledger in memory, for tests. Like `DSR_LEDGER` it keeps one entry per (request, state, stage),
 * the first: appending the same step again adds nothing.
 */
export class InMemoryLedger implements Ledger {
  readonly entries: LedgerEntry[] = [];

  async append(entry: LedgerEntry): Promise<void> {
    const taken = this.entries.some(
      (e) => e.requestId === entry.requestId && e.state === entry.state && e.stage === entry.stage,
    );
    if (!taken) this.entries.push(entry);
  }

  async appendAll(entries: readonly LedgerEntry[]): Promise<void> {
    for (const entry of entries) await this.append(entry);
  }

  async history(requestId: string): Promise<readonly LedgerEntry[]> {
    return this.entries.filter((e) => e.requestId === requestId);
  }

  states(requestId: string): string[] {
    return this.entries.filter((e) => e.requestId === requestId).map((e) => e.state);
  }
}
