import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { FileAnchorStore } from '../../../shared/audit/FileAnchorStore';
import { takeLedgerAnchor } from '../../../shared/audit/takeLedgerAnchor';
import { verifyLedger } from '../../../shared/audit/verifyLedger';
import { appendLedgerEntries } from '../../../shared/load/appendLedgerEntry';
import type { LedgerEntry } from '../../../shared/load/LedgerEntry';
import { readLedger, readLedgerSince } from '../../../shared/load/readLedger';
import { configureSnowflakeDriver } from '../../../shared/snowflake/configureSnowflakeDriver';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from '../snowflake/helpers';

const AT = { database: 'EVIDENCE', schema: 'DSR' };
const TABLE = 'EVIDENCE.DSR.DSR_LEDGER';
let sf: LocalSnowflake;
let db: SnowflakeDatabase;
let other: SnowflakeDatabase;

beforeAll(async () => {
  configureSnowflakeDriver({ logLevel: 'OFF' });
  sf = await startTestSnowflake();
  await sf.sql('CREATE DATABASE EVIDENCE');
  await sf.sql('CREATE SCHEMA EVIDENCE.DSR');
  db = openTestSnowflakeDatabase(sf);
  other = openTestSnowflakeDatabase(sf);
});

afterAll(async () => {
  await db?.close();
  await other?.close();
  await sf?.stop();
});

/** A request's life as the pipeline writes it, with the kinds of detail it records. */
async function writeRequest(requestId: string): Promise<void> {
  const e = (state: string, stage: string, second: number, detail?: LedgerEntry['detail']): LedgerEntry => ({
    requestId,
    state,
    stage,
    at: new Date(Date.UTC(2026, 2, 1, 12, 0, second, 250)),
    traceId: `trace-${requestId}`,
    ...(detail ? { detail } : {}),
  });
  // The gate writes the extractor's entries and its own in one batch; the load later, one by one.
  await appendLedgerEntries(db, AT, [
    e('received', 'extract-high', 1, {
      subjectHash: 'ab'.repeat(32),
      jurisdiction: 'CCPA',
      deadline: '2026-04-15T12:00:01.250Z',
      deadlineComputed: true,
    }),
    e('discovering', 'extract-high', 2),
    e('discovered', 'extract-high', 3, { rows: 12, evidenceHash: 'cd'.repeat(32) }),
  ]);
  await appendLedgerEntries(db, AT, [e('gated', 'gate', 4, { status: 'COMPLIANT', driftPercent: 2.5 })]);
  await appendLedgerEntries(db, AT, [e('loading', 'load', 5)]);
  // A duplicate delivery: the same (state, stage) again adds nothing.
  await appendLedgerEntries(db, AT, [e('loading', 'load', 6)]);
  await appendLedgerEntries(db, AT, [e('loaded', 'load', 7, { rows: 12, evidenceHash: 'cd'.repeat(32) })]);
}

async function verify(requestId: string, anchors: { date: string; text: string }[] = []) {
  const records = (await readLedgerSince(db, AT)).filter((r) => r.requestId === requestId);
  return verifyLedger(records, anchors, new Set([requestId]));
}

describe('Hash chain over DSR_LEDGER', () => {
  it('chains each entry to the one before it, and an untouched ledger verifies with no break', async () => {
    await writeRequest('REQ-OK');
    const history = await readLedger(db, AT, 'REQ-OK');
    expect(history.map((h) => [h.seq, h.state])).toEqual([
      [0, 'received'],
      [1, 'discovering'],
      [2, 'discovered'],
      [3, 'gated'],
      [4, 'loading'],
      [5, 'loaded'],
    ]);
    expect(history[1]?.prevHash).toBe(history[0]?.entryHash);
    const result = await verify('REQ-OK');
    expect(result).toMatchObject({ requests: 1, entries: 6, unchained: 0, breaks: [] });
  });

  it('gives the same hashes for the same entries (deterministic)', async () => {
    await writeRequest('REQ-SAME');
    const a = (await readLedger(db, AT, 'REQ-OK')).map((h) => h.entryHash);
    const b = (await readLedger(db, AT, 'REQ-SAME')).map((h) => h.entryHash);
    // Different request ids, so different hashes; but the same request written twice is stable.
    expect(a).not.toEqual(b);
    const again = (await readLedger(db, AT, 'REQ-OK')).map((h) => h.entryHash);
    expect(again).toEqual(a);
  });

  it('keeps one linear chain when two writers append to one request at the same time', async () => {
    await appendLedgerEntries(db, AT, [
      {
        requestId: 'REQ-RACE',
        state: 'received',
        stage: 'extract-high',
        at: new Date('2026-03-01T00:00:00Z'),
      },
    ]);
    await Promise.all([
      appendLedgerEntries(db, AT, [
        { requestId: 'REQ-RACE', state: 'retrying', stage: 'gate', at: new Date('2026-03-01T00:00:01Z') },
      ]),
      appendLedgerEntries(other, AT, [
        {
          requestId: 'REQ-RACE',
          state: 'dead_lettered',
          stage: 'dead-letter-recorder',
          at: new Date('2026-03-01T00:00:01Z'),
        },
      ]),
      appendLedgerEntries(other, AT, [
        {
          requestId: 'REQ-RACE',
          state: 'cancelled',
          stage: 'operator',
          at: new Date('2026-03-01T00:00:02Z'),
        },
      ]),
    ]);
    const history = await readLedger(db, AT, 'REQ-RACE');
    expect(history.map((h) => h.seq).sort()).toEqual([0, 1, 2, 3]);
    expect((await verify('REQ-RACE')).breaks).toEqual([]);
  });

  it('detects an edited entry, naming the request and position', async () => {
    await writeRequest('REQ-EDIT');
    await sf.sql(
      `UPDATE ${TABLE} SET "DETAIL" = PARSE_JSON('{"evidenceHash":"${'ee'.repeat(32)}","rows":3}') WHERE "REQUEST_ID" = 'REQ-EDIT' AND "STATE" = 'discovered'`,
    );
    const result = await verify('REQ-EDIT');
    expect(result.breaks).toEqual([
      expect.objectContaining({ kind: 'changed', requestId: 'REQ-EDIT', position: 2 }),
    ]);
  });

  it('detects an edited entry whose hash was recomputed: the next entry no longer follows it', async () => {
    await writeRequest('REQ-REHASH');
    await sf.sql(
      `UPDATE ${TABLE} SET "ENTRY_HASH" = '${'11'.repeat(32)}' WHERE "REQUEST_ID" = 'REQ-REHASH' AND "SEQ" = 1`,
    );
    const kinds = (await verify('REQ-REHASH')).breaks.map((b) => [b.kind, b.position]);
    expect(kinds).toEqual([
      ['changed', 1],
      ['relinked', 2],
    ]);
  });

  it('detects a deleted entry', async () => {
    await writeRequest('REQ-DEL');
    await sf.sql(`DELETE FROM ${TABLE} WHERE "REQUEST_ID" = 'REQ-DEL' AND "STATE" = 'gated'`);
    const result = await verify('REQ-DEL');
    expect(result.breaks).toEqual([
      expect.objectContaining({ kind: 'removed', requestId: 'REQ-DEL', position: 3 }),
    ]);
  });

  it('detects an inserted entry, chained or not', async () => {
    await writeRequest('REQ-INS');
    // A forged entry that claims a position already taken…
    await sf.sql(
      `INSERT INTO ${TABLE} ("REQUEST_ID", "STATE", "STAGE", "EVENT_TIME", "SEQ", "PREV_HASH", "ENTRY_HASH") ` +
        `SELECT 'REQ-INS', 'quarantined', 'gate', '2026-03-01T12:00:04.500Z'::TIMESTAMP_TZ, 4, "ENTRY_HASH", '${'22'.repeat(32)}' FROM ${TABLE} WHERE "REQUEST_ID" = 'REQ-INS' AND "SEQ" = 3`,
    );
    // …and one written without the chain after it began.
    await sf.sql(
      `INSERT INTO ${TABLE} ("REQUEST_ID", "STATE", "STAGE", "EVENT_TIME") VALUES ('REQ-INS', 'retrying', 'load', '2026-03-01T12:00:09Z'::TIMESTAMP_TZ)`,
    );
    const breaks = (await verify('REQ-INS')).breaks;
    expect(breaks.map((b) => b.kind)).toContain('inserted');
    expect(breaks.filter((b) => b.kind === 'inserted')).toHaveLength(2);
    expect(breaks.some((b) => b.position === 4)).toBe(true);
  });

  it('detects a rewritten anchor, and a ledger tail changed after anchoring', async () => {
    await writeRequest('REQ-ANCHOR');
    const dir = await mkdtemp(join(tmpdir(), 'dsr-anchors-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const store = new FileAnchorStore(dir);
    const first = await takeLedgerAnchor(db, AT, store, new Date('2026-03-02T00:00:00Z'));
    expect(first?.requests.find((r) => r.requestId === 'REQ-ANCHOR')).toMatchObject({ seq: 5 });
    // Taken once a day: a second run the same day writes nothing.
    expect(await takeLedgerAnchor(db, AT, store, new Date('2026-03-02T10:00:00Z'))).toBeUndefined();
    await takeLedgerAnchor(db, AT, store, new Date('2026-03-03T00:00:00Z'));
    expect((await verify('REQ-ANCHOR', await store.list())).breaks).toEqual([]);

    // The day's root replaced: the anchor no longer matches itself.
    const file = join(dir, '2026-03-02.json');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace(/"root": "[0-9a-f]{64}"/, `"root": "${'33'.repeat(32)}"`));
    const rewritten = (await verify('REQ-ANCHOR', await store.list())).breaks;
    // The rewritten anchor no longer matches itself, and the next day's no longer follows it.
    expect(rewritten).toEqual([
      expect.objectContaining({ kind: 'anchor_rewritten', anchor: '2026-03-02' }),
      expect.objectContaining({ kind: 'anchor_rewritten', anchor: '2026-03-03' }),
    ]);

    // Restored; then the last entry deleted: the chain alone cannot see a removed tail, the anchor does.
    await writeFile(file, original);
    await sf.sql(`DELETE FROM ${TABLE} WHERE "REQUEST_ID" = 'REQ-ANCHOR' AND "STATE" = 'loaded'`);
    const tail = (await verify('REQ-ANCHOR', await store.list())).breaks;
    expect(tail).toEqual([
      expect.objectContaining({
        kind: 'anchor_mismatch',
        requestId: 'REQ-ANCHOR',
        position: 5,
        anchor: '2026-03-02',
      }),
      expect.objectContaining({
        kind: 'anchor_mismatch',
        requestId: 'REQ-ANCHOR',
        position: 5,
        anchor: '2026-03-03',
      }),
    ]);
  });

  it('reports entries written before chaining as unchained, not as a break', async () => {
    await sf.sql(
      `INSERT INTO ${TABLE} ("REQUEST_ID", "STATE", "STAGE", "EVENT_TIME") VALUES ('REQ-OLD', 'received', 'extract-high', '2025-01-01T00:00:00Z'::TIMESTAMP_TZ)`,
    );
    await appendLedgerEntries(db, AT, [
      {
        requestId: 'REQ-OLD',
        state: 'discovering',
        stage: 'extract-high',
        at: new Date('2026-03-01T00:00:00Z'),
      },
    ]);
    const result = await verify('REQ-OLD');
    expect(result).toMatchObject({ unchained: 1, breaks: [] });
    expect((await readLedger(db, AT, 'REQ-OLD')).map((h) => h.seq)).toEqual([null, 0]);
  });
});
