import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { ErasureReceiptMismatchError } from '../../../shared/erasure/ErasureReceiptMismatchError';
import { erasureReceiptText } from '../../../shared/erasure/erasureReceiptText';
import { SnowflakeErasureReceipts } from '../../../shared/load/SnowflakeErasureReceipts';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { sampleErasureReceipt } from '../../support/erasureReceiptFixture';
import { InMemoryErasureReceipts } from '../../support/InMemoryErasureReceipts';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from './helpers';

const AT = { database: 'EVIDENCE', schema: 'DSR' };

let sf: LocalSnowflake;
let db: SnowflakeDatabase;
let store: SnowflakeErasureReceipts;

beforeAll(async () => {
  sf = await startTestSnowflake();
  await sf.sql('CREATE DATABASE EVIDENCE');
  await sf.sql('CREATE SCHEMA EVIDENCE.DSR');
  db = openTestSnowflakeDatabase(sf);
  store = new SnowflakeErasureReceipts(async () => db, AT);
});

afterAll(async () => {
  await db?.close();
  await sf?.stop();
});

describe('Class: SnowflakeErasureReceipts', () => {
  it('creates DSR_ERASURE_RECEIPTS beside the ledger and stores the canonical text byte for byte', async () => {
    // Prepare
    const receipt = sampleErasureReceipt('REQ-RCPT-1');

    // Act
    const stored = await store.put(receipt);

    // Assess
    expect(stored).toEqual(receipt);
    const rows = await db.query(
      'SELECT "REQUEST_ID", "SUBJECT_HASH", "OUTCOME", "RECEIPT_HASH", "RECEIPT", "COMPLETED_AT" FROM "EVIDENCE"."DSR"."DSR_ERASURE_RECEIPTS"',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      REQUEST_ID: 'REQ-RCPT-1',
      SUBJECT_HASH: 'ab'.repeat(32),
      OUTCOME: 'erased',
      RECEIPT_HASH: receipt.receiptHash,
      RECEIPT: erasureReceiptText(receipt),
    });
    expect(String(rows[0]?.COMPLETED_AT)).toMatch(/^2026-03-06[T ]10:15:00/);
    const columns = await db.query(
      `SELECT "COLUMN_NAME", "DATA_TYPE" FROM "EVIDENCE".INFORMATION_SCHEMA.COLUMNS WHERE "TABLE_NAME" = 'DSR_ERASURE_RECEIPTS' ORDER BY "ORDINAL_POSITION"`,
    );
    expect(columns.map((c) => [c.COLUMN_NAME, c.DATA_TYPE])).toEqual([
      ['REQUEST_ID', 'TEXT'],
      ['SUBJECT_HASH', 'TEXT'],
      ['OUTCOME', 'TEXT'],
      ['COMPLETED_AT', 'TIMESTAMP_TZ'],
      ['RECEIPT_HASH', 'TEXT'],
      ['RECEIPT', 'TEXT'],
      ['WRITTEN_AT', 'TIMESTAMP_TZ'],
    ]);
  });

  it('keeps the first receipt when a redelivery stores another, and returns the stored one', async () => {
    // Prepare
    const first = sampleErasureReceipt('REQ-RCPT-2', { completedAt: '2026-03-06T10:15:00.000Z' });
    // Another outcome: the same erasure with the same data would give the same hash.
    const redelivered = sampleErasureReceipt('REQ-RCPT-2', {
      completedAt: '2026-03-06T10:20:00.000Z',
      unverified: true,
    });
    expect(redelivered.receiptHash).not.toBe(first.receiptHash);

    // Act
    await store.put(first);
    const returned = await store.put(redelivered);

    // Assess
    expect(returned.receiptHash).toBe(first.receiptHash);
    expect((await store.get('REQ-RCPT-2'))?.completedAt).toBe('2026-03-06T10:15:00.000Z');
    const [count] = await db.query(
      `SELECT COUNT(*) AS "N" FROM "EVIDENCE"."DSR"."DSR_ERASURE_RECEIPTS" WHERE "REQUEST_ID" = 'REQ-RCPT-2'`,
    );
    expect(Number(String(count?.N))).toBe(1);
  });

  it('answers undefined for a request without a receipt', async () => {
    expect(await store.get('REQ-NONE')).toBeUndefined();
  });

  it('refuses to store a receipt whose content does not match its hash', async () => {
    const receipt = sampleErasureReceipt('REQ-RCPT-3');
    await expect(store.put({ ...receipt, outcome: 'erasure_unverified' })).rejects.toThrow(
      /does not match its own hash/,
    );
    expect(await store.get('REQ-RCPT-3')).toBeUndefined();
  });

  it.each<[string, (text: string) => string, string]>([
    ['a count edited in the text', (t) => t.replace('"deleted":1', '"deleted":0'), 'hash_mismatch'],
    ['the text re-serialised with spaces', (t) => JSON.stringify(JSON.parse(t), null, 1), 'not_canonical'],
    [
      'the keys reordered',
      (t) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(t)).reverse())),
      'not_canonical',
    ],
    ['a receipt of another request', (t) => t.replaceAll('REQ-RCPT-4', 'REQ-RCPT-X'), 'request_mismatch'],
  ])('refuses to read back %s with a typed error', async (_name, tamper, reason) => {
    // Prepare
    const receipt = await store.put(sampleErasureReceipt('REQ-RCPT-4'));
    await db.execute(
      'UPDATE "EVIDENCE"."DSR"."DSR_ERASURE_RECEIPTS" SET "RECEIPT" = ? WHERE "REQUEST_ID" = ?',
      [tamper(erasureReceiptText(receipt)), 'REQ-RCPT-4'],
    );

    // Act
    const read = store.get('REQ-RCPT-4');

    // Assess
    await expect(read).rejects.toBeInstanceOf(ErasureReceiptMismatchError);
    await expect(read).rejects.toMatchObject({ reason, retryable: false });
    await db.execute('DELETE FROM "EVIDENCE"."DSR"."DSR_ERASURE_RECEIPTS" WHERE "REQUEST_ID" = ?', [
      'REQ-RCPT-4',
    ]);
  });

  it('refuses a row whose RECEIPT_HASH column was changed though the text is intact', async () => {
    const receipt = await store.put(sampleErasureReceipt('REQ-RCPT-5'));
    await db.execute(
      'UPDATE "EVIDENCE"."DSR"."DSR_ERASURE_RECEIPTS" SET "RECEIPT_HASH" = ? WHERE "REQUEST_ID" = ?',
      ['0'.repeat(64), 'REQ-RCPT-5'],
    );
    await expect(store.get(receipt.requestId)).rejects.toMatchObject({ reason: 'hash_mismatch' });
  });
});

describe('Class: InMemoryErasureReceipts', () => {
  it('behaves as the Snowflake store: first receipt kept, tampering refused', async () => {
    const memory = new InMemoryErasureReceipts();
    const first = sampleErasureReceipt('REQ-MEM', { completedAt: '2026-03-06T10:15:00.000Z' });
    await memory.put(first);
    expect(
      (await memory.put(sampleErasureReceipt('REQ-MEM', { completedAt: '2026-03-07T00:00:00.000Z' })))
        .receiptHash,
    ).toBe(first.receiptHash);
    const row = memory.rows.get('REQ-MEM') as { text: string; hash: string };
    memory.rows.set('REQ-MEM', { ...row, text: row.text.replace('"masked":2', '"masked":1') });
    await expect(memory.get('REQ-MEM')).rejects.toMatchObject({ reason: 'hash_mismatch' });
  });
});
