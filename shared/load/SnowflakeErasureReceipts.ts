import { type ErasureReceipt, receiptHashOf } from '../erasure/buildErasureReceipt';
import type { ErasureReceiptStore } from '../erasure/ErasureReceiptStore';
import { erasureReceiptText, parseErasureReceiptText } from '../erasure/erasureReceiptText';
import { InvalidArgumentError } from '../errors/errors';
import { type SnowflakeDatabase, snowflakeQueryTag } from '../snowflake/SnowflakeDatabase';
import {
  createErasureReceiptsTableSql,
  type LoadLocation,
  mergeErasureReceiptSql,
  selectErasureReceiptSql,
  timestampBind,
} from '../snowflake/statements';

const ensured = new WeakMap<SnowflakeDatabase, Set<string>>();

/**
 * Erasure receipts in `DSR_ERASURE_RECEIPTS`, beside `DSR_LEDGER` (created on first use). A receipt
 * is written once per request with a MERGE … WHEN NOT MATCHED THEN INSERT and read back verified.
 */
export class SnowflakeErasureReceipts implements ErasureReceiptStore {
  constructor(
    private readonly db: () => Promise<SnowflakeDatabase>,
    private readonly at: LoadLocation,
  ) {}

  async put(receipt: ErasureReceipt): Promise<ErasureReceipt> {
    if (receiptHashOf(receipt) !== receipt.receiptHash)
      throw new InvalidArgumentError(
        `the receipt of request ${receipt.requestId} does not match its own hash`,
      );
    const completedAt = new Date(receipt.completedAt);
    if (Number.isNaN(completedAt.getTime()))
      throw new InvalidArgumentError(`the receipt of request ${receipt.requestId} has no valid completedAt`);
    const db = await this.db();
    return db.withQueryTag(snowflakeQueryTag('erase', receipt.requestId), async () => {
      await this.ensureTable(db);
      await db.execute(mergeErasureReceiptSql(this.at), [
        receipt.requestId,
        receipt.subject.hash,
        receipt.outcome,
        timestampBind(completedAt),
        receipt.receiptHash,
        erasureReceiptText(receipt),
      ]);
      const stored = await this.read(db, receipt.requestId);
      // The row was just written or found: its absence is the store misbehaving.
      if (!stored) throw new InvalidArgumentError(`no receipt stored for request ${receipt.requestId}`);
      return stored;
    });
  }

  async get(requestId: string): Promise<ErasureReceipt | undefined> {
    const db = await this.db();
    return db.withQueryTag(snowflakeQueryTag('report', requestId), async () => {
      await this.ensureTable(db);
      return this.read(db, requestId);
    });
  }

  private async read(db: SnowflakeDatabase, requestId: string): Promise<ErasureReceipt | undefined> {
    const [row] = await db.query(selectErasureReceiptSql(this.at), [requestId]);
    if (!row) return undefined;
    return parseErasureReceiptText(requestId, String(row.RECEIPT), String(row.RECEIPT_HASH));
  }

  private async ensureTable(db: SnowflakeDatabase): Promise<void> {
    const id = `${this.at.database}\u0000${this.at.schema}`;
    const done = ensured.get(db) ?? new Set<string>();
    ensured.set(db, done);
    if (done.has(id)) return;
    await db.execute(createErasureReceiptsTableSql(this.at));
    done.add(id);
  }
}
