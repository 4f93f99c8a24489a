import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { buildFindingsDocument, type FindingsDocument } from '../../../shared/discovery/FindingsDocument';
import { keylessFindingKey } from '../../../shared/discovery/keylessRowKeys';
import { removeOwnCopies } from '../../../shared/erasure/removeOwnCopies';
import { appendLedgerEntries } from '../../../shared/load/appendLedgerEntry';
import { loadFindings } from '../../../shared/load/loadFindings';
import { readLedger } from '../../../shared/load/readLedger';
import { SnowflakeLedger } from '../../../shared/load/SnowflakeLedger';
import {
  SnowflakeSubjectCopies,
  selectRequestsOfSubjectSql,
} from '../../../shared/load/SnowflakeSubjectCopies';
import { configureSnowflakeDriver } from '../../../shared/snowflake/configureSnowflakeDriver';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { InMemoryPayloadStore } from '../../support/inMemoryPorts';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from './helpers';

const AT = { database: 'EVIDENCE', schema: 'DSR' };
const ANA = 'a'.repeat(64);
const BOB = 'b'.repeat(64);

/**
 * A subject's findings as real estates give them: a keyless table (row key = the row's hash), a row
 * that mentions two people, odd values (an exact big number, a nested document, a unicode name).
 */
function findingsOf(requestId: string, subjectHash: string, email: string): FindingsDocument {
  const note = { body: `from ${email} to bob@example.net` };
  return buildFindingsDocument({
    requestId,
    subjectHash,
    tables: [
      {
        system: 'postgres',
        table: 'public.customer',
        primaryKey: ['id'],
        rows: [
          {
            key: { id: '9007199254740993' },
            provenance: [],
            row: { id: '9007199254740993', email, name: 'Zoë 😀 Łópez', profile: { tags: ['x', 1.5] } },
          },
        ],
      },
      {
        system: 'postgres',
        table: 'public.shared_note',
        primaryKey: [],
        rows: [
          // The same row twice: a keyless table's copies are numbered.
          { key: keylessFindingKey(note, 1), provenance: [], row: note },
          { key: keylessFindingKey(note, 2), provenance: [], row: note },
        ],
      },
    ],
  });
}

let sf: LocalSnowflake;
let db: SnowflakeDatabase;

const raw = async (requestId: string) =>
  sf.sql(
    `SELECT "ROW_KEY", "ROW", "ROW_HASH", "EVIDENCE_HASH", "PROVENANCE" FROM EVIDENCE.DSR.DSR_FINDINGS WHERE "REQUEST_ID" = '${requestId}' ORDER BY "TABLE_NAME", "ROW_KEY"`,
  );

beforeAll(async () => {
  configureSnowflakeDriver({ logLevel: 'OFF' });
  sf = await startTestSnowflake();
  await sf.sql('CREATE DATABASE EVIDENCE');
  await sf.sql('CREATE SCHEMA EVIDENCE.DSR');
  db = openTestSnowflakeDatabase(sf);
  const received = (requestId: string, subjectHash: string, at: string) => ({
    requestId,
    state: 'received',
    stage: 'extract-standard',
    at: new Date(at),
    traceId: `t-${requestId}`,
    detail: { subjectHash, jurisdiction: 'GDPR' },
  });
  await appendLedgerEntries(db, AT, [
    received('REQ-ANA-1', ANA, '2026-01-05T10:00:00Z'),
    received('REQ-ANA-2', ANA, '2026-02-05T10:00:00Z'),
    received('REQ-BOB-1', BOB, '2026-02-06T10:00:00Z'),
    received('REQ-ANA-ERASE', ANA, '2026-03-01T10:00:00Z'),
  ]);
  // A later entry of Bob's request that names Ana's hash is not an intake of Ana's.
  await appendLedgerEntries(db, AT, [
    {
      requestId: 'REQ-BOB-1',
      state: 'dead_lettered',
      stage: 'gate',
      at: new Date('2026-02-06T10:05:00Z'),
      traceId: 't',
      detail: { subjectHash: ANA, code: 'X' },
    },
  ]);
  for (const [id, hash, email] of [
    ['REQ-ANA-1', ANA, 'ana@example.com'],
    ['REQ-ANA-2', ANA, 'ana@example.com'],
    ['REQ-BOB-1', BOB, 'bob@example.net'],
  ] as const)
    await loadFindings(db, AT, findingsOf(id, hash, email), {
      discoveredAt: new Date('2026-02-07T00:00:00Z'),
    });
});

afterAll(async () => {
  await db?.close();
  await sf?.stop();
});

describe('Class: SnowflakeSubjectCopies', () => {
  it('names the requests received with the subject hash, not another subject’s', async () => {
    const copies = new SnowflakeSubjectCopies(async () => db, AT);
    expect(await copies.requestsOfSubject(ANA)).toEqual(['REQ-ANA-1', 'REQ-ANA-2', 'REQ-ANA-ERASE']);
    expect(await copies.requestsOfSubject(BOB)).toEqual(['REQ-BOB-1']);
    expect(await copies.requestsOfSubject('c'.repeat(64))).toEqual([]);
    await expect(copies.requestsOfSubject("' OR 1=1 --")).rejects.toMatchObject({ retryable: false });
  });

  it('reads DETAIL with a case-sensitive element name, as Snowflake does', async () => {
    const sql = selectRequestsOfSubjectSql(AT);
    // Unquoted, the element name keeps its case: the same answer.
    expect(await db.query(sql.replace('"DETAIL":"subjectHash"', '"DETAIL":subjectHash'), [ANA])).toHaveLength(
      3,
    );
    // Another case names another element: nothing matches.
    expect(await db.query(sql.replace('"subjectHash"', '"SUBJECTHASH"'), [ANA])).toEqual([]);
    expect(await db.query(sql.replace('"DETAIL":"subjectHash"', '"DETAIL":subjecthash'), [ANA])).toEqual([]);
  });

  it('clears the values of the subject’s findings only, keeping keys, hashes and provenance', async () => {
    const copies = new SnowflakeSubjectCopies(async () => db, AT);
    const before = await raw('REQ-ANA-1');
    const bobBefore = await raw('REQ-BOB-1');
    expect(before.every((r) => r.ROW !== null)).toBe(true);

    expect(await copies.clearFindingValues('REQ-ANA-1')).toBe(3);
    expect(await copies.clearFindingValues('REQ-ANA-2')).toBe(3);

    const after = await raw('REQ-ANA-1');
    expect(after.map((r) => r.ROW)).toEqual([null, null, null]);
    expect(after.map((r) => ({ ...r, ROW: null }))).toEqual(before.map((r) => ({ ...r, ROW: null })));
    expect((await raw('REQ-ANA-2')).map((r) => r.ROW)).toEqual([null, null, null]);
    // Bob's findings, one of whose rows mentions Ana's address, are his evidence: untouched.
    expect(await raw('REQ-BOB-1')).toEqual(bobBefore);
    // A second run finds nothing to clear.
    expect(await copies.clearFindingValues('REQ-ANA-1')).toBe(0);
  });
});

describe('Function: removeOwnCopies over Snowflake', () => {
  it('annotates the earlier requests once in DSR_LEDGER and clears nothing the second time', async () => {
    // Prepare: Ana's findings loaded again under a fresh request, with an object in the bucket.
    await appendLedgerEntries(db, AT, [
      {
        requestId: 'REQ-ANA-3',
        state: 'received',
        stage: 'extract-high',
        at: new Date('2026-02-20T10:00:00Z'),
        traceId: 't3',
        detail: { subjectHash: ANA },
      },
    ]);
    await loadFindings(db, AT, findingsOf('REQ-ANA-3', ANA, 'ana@example.com'), {
      discoveredAt: new Date('2026-02-20T10:01:00Z'),
    });
    const payloads = new InMemoryPayloadStore();
    await payloads.put('claim-check/REQ-ANA-3/e/manifest.json', '{}');
    const copies = new SnowflakeSubjectCopies(async () => db, AT);
    const ports = copies.portsWith(payloads, new SnowflakeLedger(async () => db, AT));
    const at = new Date('2026-03-02T09:00:00Z');
    // Act
    const first = await removeOwnCopies(ports, { subjectHash: ANA, requestId: 'REQ-ANA-ERASE', at });
    const second = await removeOwnCopies(ports, { subjectHash: ANA, requestId: 'REQ-ANA-ERASE', at });
    // Assess
    expect(first).toMatchObject({ earlierRequests: 3, findingRowsCleared: 3, objectsDeleted: 1 });
    expect(first.byRequest).toEqual([{ requestId: 'REQ-ANA-3', rows: 3, objects: 1 }]);
    expect(second).toEqual({ ...first, findingRowsCleared: 0, objectsDeleted: 0 });
    const history = await readLedger(db, AT, 'REQ-ANA-3');
    // Numbers in DETAIL come back as canonical numbers (exact digits): compared as numbers.
    const annotations = history
      .filter((e) => e.state === 'values_erased')
      .map((e) => [e.stage, e.detail?.byRequest, Number(e.detail?.rows), Number(e.detail?.objects)]);
    expect(annotations).toEqual([['erase', 'REQ-ANA-ERASE', 3, 1]]);
    expect((await raw('REQ-ANA-3')).map((r) => r.ROW)).toEqual([null, null, null]);
    expect((await raw('REQ-BOB-1')).every((r) => r.ROW !== null)).toBe(true);
  });
});
