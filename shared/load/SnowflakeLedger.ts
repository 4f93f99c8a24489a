import type { Ledger, LedgerEntry } from '../ledger/Ledger';
import type { RequestState } from '../ledger/RequestState';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import type { LoadLocation } from '../snowflake/statements';
import { appendLedgerEntries, appendLedgerEntry } from './appendLedgerEntry';
import { ensureEvidenceTables } from './ensureEvidenceTables';
import { readLedger } from './readLedger';

/** The pipeline's ledger over `DSR_LEDGER` in Snowflake: appends are idempotent MERGEs. */
export class SnowflakeLedger implements Ledger {
  constructor(
    private readonly db: () => Promise<SnowflakeDatabase>,
    private readonly at: LoadLocation,
  ) {}

  async append(entry: LedgerEntry): Promise<void> {
    await appendLedgerEntry(await this.db(), this.at, entry);
  }

  async appendAll(entries: readonly LedgerEntry[]): Promise<void> {
    await appendLedgerEntries(await this.db(), this.at, entries);
  }

  async history(requestId: string): Promise<readonly LedgerEntry[]> {
    const db = await this.db();
    // The first stage to read the ledger may find it not yet created.
    await ensureEvidenceTables(db, this.at);
    const records = await readLedger(db, this.at, requestId);
    return records.map((r) => ({
      requestId: r.requestId,
      state: r.state as RequestState,
      at: r.at,
      stage: r.stage,
      traceId: r.traceId ?? '',
      ...(r.detail ? { detail: r.detail as Record<string, string | number | boolean> } : {}),
    }));
  }
}
