import type { ErasureReceipt } from './buildErasureReceipt';

/**
 * Where erasure receipts are kept (`DSR_ERASURE_RECEIPTS` in Snowflake, beside the ledger): one
 * receipt per request, written once.
 */
export interface ErasureReceiptStore {
  /**
   * Stores the receipt unless the request has one already, and returns the stored one: a
   * redelivered erasure keeps the first receipt (whose hash the ledger and the confirmation name).
   */
  put(receipt: ErasureReceipt): Promise<ErasureReceipt>;
  /**
   * The request's receipt, its hash verified ({@link ErasureReceiptMismatchError} when it does
   * not verify); undefined when there is none.
   */
  get(requestId: string): Promise<ErasureReceipt | undefined>;
}
