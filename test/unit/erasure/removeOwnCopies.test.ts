import { describe, expect, it } from 'vitest';
import { type OwnCopiesPorts, removeOwnCopies } from '../../../shared/erasure/removeOwnCopies';
import type { LedgerEntry } from '../../../shared/ledger/Ledger';
import type { RequestState } from '../../../shared/ledger/RequestState';
import { deadLetterKey, erasureCaseKey, quarantineKey } from '../../../shared/payload/PayloadStore';
import { findingsManifestKey, findingsPartKey } from '../../../shared/pipeline/FindingsManifest';
import { InMemoryLedger } from '../../support/InMemoryLedger';
import { InMemoryPayloadStore } from '../../support/inMemoryPorts';

const SUBJECT = 's'.repeat(64);
const OTHER = 'o'.repeat(64);
const EMAIL = 'ana.lopez@example.com';
const PHONE = '+44 20 7946 0011';

interface FindingRow {
  readonly rowKey: string;
  row: string | null;
  readonly rowHash: string;
}

/** DSR_FINDINGS in memory: rows per request, cleared as the Snowflake adapter clears them. */
class InMemoryFindings {
  readonly rows = new Map<string, FindingRow[]>();
  add(requestId: string, values: readonly (string | null)[]): void {
    this.rows.set(
      requestId,
      values.map((v, i) => ({
        rowKey: `{"id":${i}}`,
        row: v === null ? null : JSON.stringify({ v }),
        rowHash: `h${i}`,
      })),
    );
  }
  async clear(requestId: string): Promise<number> {
    let cleared = 0;
    for (const r of this.rows.get(requestId) ?? [])
      if (r.row !== null) {
        r.row = null;
        cleared++;
      }
    return cleared;
  }
}

function entry(
  requestId: string,
  state: RequestState,
  at: string,
  detail?: LedgerEntry['detail'],
): LedgerEntry {
  return { requestId, state, at, stage: 'test', traceId: 't', ...(detail ? { detail } : {}) };
}

/**
 * Two earlier requests of the subject (A loaded with findings in parts; B quarantined with a payload
 * put just before midnight and its ledger entry just after, and a dead-lettered body), one with
 * nothing kept (E, cancelled), the erasure request C (case, parts, an intake body dead-lettered with
 * only the subject hash), and D, another subject's request, on the same days.
 */
async function estate() {
  const payloads = new InMemoryPayloadStore('payloads', 2);
  const ledger = new InMemoryLedger();
  const findings = new InMemoryFindings();
  const put = (key: string, body: string, metadata: Record<string, string> = {}) =>
    payloads.put(key, body, metadata);

  await ledger.appendAll([
    entry('A', 'received', '2026-01-10T09:00:00.000Z', { subjectHash: SUBJECT }),
    entry('A', 'loaded', '2026-01-10T09:05:00.000Z'),
    entry('B', 'received', '2026-02-03T23:50:00.000Z', { subjectHash: SUBJECT }),
    entry('B', 'quarantined', '2026-02-04T00:00:01.000Z'),
    entry('E', 'received', '2026-03-01T10:00:00.000Z', { subjectHash: SUBJECT }),
    entry('E', 'cancelled', '2026-03-01T10:01:00.000Z'),
    entry('D', 'received', '2026-02-03T12:00:00.000Z', { subjectHash: OTHER }),
    entry('D', 'quarantined', '2026-02-03T12:01:00.000Z'),
    entry('C', 'received', '2026-04-01T08:00:00.000Z', { subjectHash: SUBJECT }),
    entry('C', 'erasing', '2026-04-01T08:10:00.000Z'),
  ]);
  for (let i = 1; i <= 3; i++) await put(findingsPartKey('A', 'ea', i), `{"email":"${EMAIL}"}`);
  await put(findingsManifestKey('A', 'ea'), '{}');
  // A's package, which holds the subject's values as the subject received them.
  await put('packages/A/data/users.csv', EMAIL);
  await put('packages/A/manifest.json', '{}');
  await put(quarantineKey('B', new Date('2026-02-03T23:59:59Z')), `{"phone":"${PHONE}"}`);
  await put(deadLetterKey('m-b', new Date('2026-02-03T23:55:00Z')), PHONE, { 'request-id': 'B' });
  await put(erasureCaseKey('C'), `{"identifiers":{"email":["${EMAIL}"]}}`);
  await put(findingsPartKey('C', 'ec', 1), EMAIL);
  await put(findingsManifestKey('C', 'ec'), '{}');
  await put(deadLetterKey('m-c', new Date('2026-04-01T08:00:01Z')), EMAIL, { 'subject-hash': SUBJECT });
  // Another subject's objects, on the days searched: they stay.
  await put(findingsPartKey('D', 'ed', 1), 'other');
  await put('packages/D/manifest.json', 'other');
  await put(quarantineKey('D', new Date('2026-02-03T12:01:00Z')), 'other');
  await put(deadLetterKey('m-d', new Date('2026-02-03T12:00:30Z')), 'other', { 'request-id': 'D' });
  await put(deadLetterKey('m-x', new Date('2026-02-03T13:00:00Z')), 'unattributed', {});
  findings.add('A', [EMAIL, PHONE, 'x']);
  findings.add('C', [null, null]);
  findings.add('D', ['other-1', 'other-2']);

  const asked: string[] = [];
  const ports: OwnCopiesPorts = {
    requestsOfSubject: async (hash) => {
      asked.push(hash);
      return ledger.entries
        .filter((e) => e.state === 'received' && e.detail?.subjectHash === hash)
        .map((e) => e.requestId);
    },
    clearFindingValues: (id) => findings.clear(id),
    payloads,
    ledger,
  };
  return { ports, payloads, ledger, findings, asked };
}

const AT = new Date('2026-04-01T09:00:00.000Z');

describe('Function: removeOwnCopies', () => {
  it('clears the values of the earlier requests’ findings and deletes their objects, packages included; the erasure request keeps its parts and case', async () => {
    // Prepare
    const { ports, payloads, findings, asked } = await estate();
    // Act
    const result = await removeOwnCopies(ports, { subjectHash: SUBJECT, requestId: 'C', at: AT });
    // Assess
    expect(asked).toEqual([SUBJECT]);
    expect(result).toEqual({
      earlierRequests: 3,
      findingRowsCleared: 3,
      objectsDeleted: 9,
      byRequest: [
        { requestId: 'A', rows: 3, objects: 6 },
        { requestId: 'B', rows: 0, objects: 2 },
      ],
    });
    // The erasure request's parts and case stay until its receipt is stored (the erase stage deletes
    // them then); its dead-lettered body, which a retry does not need, goes now.
    expect(payloads.keys()).toEqual([
      'claim-check/C/ec/manifest.json',
      'claim-check/C/ec/part-00001.ndjson',
      'claim-check/D/ed/part-00001.ndjson',
      'dead-letter/2026/02/03/m-d.json',
      'dead-letter/2026/02/03/m-x.json',
      'erasure/C/case.json',
      'packages/D/manifest.json',
      'quarantine/2026/02/03/D.json',
    ]);
    // The evidence keeps its shape: keys and hashes stay, values go.
    expect(findings.rows.get('A')).toEqual([
      { rowKey: '{"id":0}', row: null, rowHash: 'h0' },
      { rowKey: '{"id":1}', row: null, rowHash: 'h1' },
      { rowKey: '{"id":2}', row: null, rowHash: 'h2' },
    ]);
    expect(findings.rows.get('D')?.map((r) => r.row)).toEqual(['{"v":"other-1"}', '{"v":"other-2"}']);
    const text = JSON.stringify(result);
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain(PHONE);
  });

  it('annotates each earlier request it removed something from with values_erased, and no other', async () => {
    const { ports, ledger } = await estate();
    await removeOwnCopies(ports, { subjectHash: SUBJECT, requestId: 'C', at: AT, traceId: 'trace-c' });
    const annotations = ledger.entries.filter((e) => e.state === 'values_erased');
    expect(annotations).toEqual([
      {
        requestId: 'A',
        state: 'values_erased',
        at: AT.toISOString(),
        stage: 'erase',
        traceId: 'trace-c',
        detail: { byRequest: 'C', rows: 3, objects: 6 },
      },
      {
        requestId: 'B',
        state: 'values_erased',
        at: AT.toISOString(),
        stage: 'erase',
        traceId: 'trace-c',
        detail: { byRequest: 'C', rows: 0, objects: 2 },
      },
    ]);
  });

  it('is idempotent: a second run deletes nothing, appends nothing and reports the same earlier copies', async () => {
    const { ports, ledger, payloads } = await estate();
    const first = await removeOwnCopies(ports, { subjectHash: SUBJECT, requestId: 'C', at: AT });
    const entries = ledger.entries.length;
    const keys = payloads.keys();
    const second = await removeOwnCopies(ports, {
      subjectHash: SUBJECT,
      requestId: 'C',
      at: new Date('2026-04-02T10:00:00Z'),
    });
    expect(second).toEqual({ ...first, findingRowsCleared: 0, objectsDeleted: 0 });
    expect(ledger.entries).toHaveLength(entries);
    expect(payloads.keys()).toEqual(keys);
  });

  it('finds a quarantined payload by its exact key only: a request id that extends another’s is not taken', async () => {
    const { ports, payloads, ledger } = await estate();
    await ledger.append(entry('B.json-2', 'received', '2026-02-03T23:51:00.000Z', { subjectHash: OTHER }));
    await payloads.put(quarantineKey('B.json-2', new Date('2026-02-03T23:59:00Z')), 'other');
    await removeOwnCopies(ports, { subjectHash: SUBJECT, requestId: 'C', at: AT });
    expect(payloads.keys('quarantine/')).toEqual([
      'quarantine/2026/02/03/B.json-2.json',
      'quarantine/2026/02/03/D.json',
    ]);
  });

  it('searches only the days a request was in flight: a payload dated outside them is not reached', async () => {
    const { ports, payloads } = await estate();
    // The bucket is never listed whole: a key dated on a day A's ledger does not cover is not probed.
    await payloads.put(quarantineKey('A', new Date('2026-01-20T00:00:00Z')), 'stray');
    const result = await removeOwnCopies(ports, { subjectHash: SUBJECT, requestId: 'C', at: AT });
    expect(result.objectsDeleted).toBe(9);
    expect(payloads.keys('quarantine/2026/01/')).toEqual(['quarantine/2026/01/20/A.json']);
  });
});
