import type { Ledger, LedgerEntry } from '../../shared/pipeline/Ledger';

/** A ledger in memory, for tests. */
export class InMemoryLedger implements Ledger {
  readonly entries: LedgerEntry[] = [];

  async append(entry: LedgerEntry): Promise<void> {
    this.entries.push(entry);
  }

  async appendAll(entries: readonly LedgerEntry[]): Promise<void> {
    this.entries.push(...entries);
  }

  async history(requestId: string): Promise<readonly LedgerEntry[]> {
    return this.entries.filter((e) => e.requestId === requestId);
  }

  states(requestId: string): string[] {
    return this.entries.filter((e) => e.requestId === requestId).map((e) => e.state);
  }
}
