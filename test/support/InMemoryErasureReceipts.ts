import type { ErasureReceipt } from '../../shared/erasure/buildErasureReceipt';
import type { ErasureReceiptStore } from '../../shared/erasure/ErasureReceiptStore';
import { erasureReceiptText, parseErasureReceiptText } from '../../shared/erasure/erasureReceiptText';

/**
 * Erasure receipts in memory, for tests: kept as their canonical text and read back verified, as
 * the Snowflake store does; the first receipt of a request is kept.
 */
export class InMemoryErasureReceipts implements ErasureReceiptStore {
  /** Request id → stored text and hash; tests may tamper with it. */
  readonly rows = new Map<string, { text: string; hash: string }>();

  async put(receipt: ErasureReceipt): Promise<ErasureReceipt> {
    if (!this.rows.has(receipt.requestId))
      this.rows.set(receipt.requestId, { text: erasureReceiptText(receipt), hash: receipt.receiptHash });
    return (await this.get(receipt.requestId)) as ErasureReceipt;
  }

  async get(requestId: string): Promise<ErasureReceipt | undefined> {
    const row = this.rows.get(requestId);
    return row ? parseErasureReceiptText(requestId, row.text, row.hash) : undefined;
  }
}
