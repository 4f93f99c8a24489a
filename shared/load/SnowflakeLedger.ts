import type { Ledger, LedgerEntry } from '../pipeline/Ledger';
import { REQUEST_STATES, type RequestState } from '../pipeline/RequestState';
import type { SnowflakeDatabase } from '../snowflake/SnowflakeDatabase';
import type { LoadLocation } from '../snowflake/statements';
import { appendLedgerEntry } from './appendLedgerEntry';
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

  async history(requestId: string): Promise<readonly LedgerEntry[]> {
    const records = await readLedger(await this.db(), this.at, requestId);
    // Entries written within the same millisecond are put in the order of the pipeline's states.
    const order = (state: string) => REQUEST_STATES.indexOf(state as RequestState);
    const sorted = [...records].sort((a, b) =>
      a.at < b.at ? -1 : a.at > b.at ? 1 : order(a.state) - order(b.state),
    );
    return sorted.map((r) => ({
      requestId: r.requestId,
      state: r.state as RequestState,
      at: r.at,
      stage: r.stage,
      traceId: r.traceId ?? '',
      ...(r.detail ? { detail: r.detail as Record<string, string | number | boolean> } : {}),
    }));
  }
}
