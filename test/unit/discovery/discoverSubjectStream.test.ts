import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { type CanonicalRow, JsonNumber } from '../../../shared/canonical/CanonicalValue';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { discoverSubject, discoverSubjectStream } from '../../../shared/discovery/discoverSubject';
import { serializeFindingsDocument } from '../../../shared/discovery/FindingsDocument';
import { keylessFindingKey, keylessRowKeys } from '../../../shared/discovery/keylessRowKeys';
import type { FoundRow, TableSearcher } from '../../../shared/discovery/SearchableTable';
import { serializeFindingsSource } from '../../../shared/discovery/serializeFindingsSource';
import { serializeSpilledFindings } from '../../../shared/discovery/serializeSpilledFindings';

const KEY = 'unit-subject-hash-key-0123456789abcdef';

/**
 * Tables in memory, searched page by page (`pageSize` rows a page, in a shuffled order so runs are
 * not presorted); a row whose `bad` column is set is reported unreadable.
 */
function memorySearcher(tables: Record<string, CanonicalRow[]>, pageSize: number): TableSearcher {
  return {
    async search(table, input, values, onPage, onUnreadable) {
      const keyOf = keylessRowKeys();
      const rows = (tables[table.table] ?? []).filter((row) => values.includes(String(row[input.column])));
      const found: FoundRow[] = [];
      for (const row of rows) {
        // A keyless row that cannot be read is keyed by what could be read of it, as the searchers do.
        const key =
          table.primaryKey.length > 0
            ? Object.fromEntries([...table.primaryKey].sort().map((k) => [k, row[k] ?? null]))
            : keyOf(row.bad ? { ...row, bad: null } : row);
        if (row.bad) onUnreadable?.({ key, column: 'bad', reason: 'ill_formed_unicode' });
        else found.push({ key, row });
      }
      // Reverse every other page: pages arrive out of key order.
      for (let i = 0; i < found.length; i += pageSize) {
        const page = found.slice(i, i + pageSize);
        await new Promise((r) => setImmediate(r));
        onPage((i / pageSize) % 2 === 1 ? page.reverse() : page);
      }
    },
    async countRows(table, { column }, values, cap) {
      const rows = tables[table.table] ?? [];
      return new Map(
        values.map((v) => [v, Math.min(cap, rows.filter((row) => String(row[column]) === v).length)]),
      );
    },
  };
}

const map = parseDataMap(
  `version: 1
identities: { email: { normalize: lowercase }, customer_id: {}, employee_id: {} }
postgres:
  - table: public.customer
    primaryKey: [id]
    identities: { email: email, customer_id: id }
    learn: [email, customer_id]
  - table: public.ticket
    primaryKey: [ticket_id]
    identities: { email: [email, cc_email], customer_id: customer_id }
  - table: public.orders
    primaryKey: [id]
    follow: { customer_id: public.customer.id, referrer_id: public.customer.id }
  - table: public.order_line
    primaryKey: [order_id, line]
    follow: { order_id: public.orders.id }
  - table: public.audit
    identities: { customer_id: customer_id }
`,
  'map.yaml',
);

/** A deterministic shop: one subject with many rows in every table, and rows of other people. */
function shop(orders: number) {
  const rows: Record<string, CanonicalRow[]> = {
    'public.customer': [
      { id: 1, email: 'ana@x.test', name: 'Ana' },
      { id: 2, email: 'ana.alt@x.test', name: 'Ana (old account)' },
      { id: 3, email: 'ben@x.test', name: 'Ben' },
    ],
    'public.ticket': [
      // Met in round 1 by two matches (email and cc_email), and again in round 2 by customer_id.
      {
        ticket_id: 'b0',
        email: 'ana@x.test',
        cc_email: 'ana@x.test',
        customer_id: 1,
        body: { n: new JsonNumber('1.50') },
      },
      { ticket_id: 'a9', email: 'ben@x.test', cc_email: null, customer_id: 2, body: null },
      {
        ticket_id: 'c1',
        email: 'ben@x.test',
        cc_email: 'ana.alt@x.test',
        customer_id: 3,
        body: 'mentions two people',
      },
      { ticket_id: 'd4', email: 'ana@x.test', cc_email: null, customer_id: 1, body: null, bad: true },
    ],
    'public.orders': [],
    'public.order_line': [],
    'public.audit': [],
  };
  for (let i = 0; i < orders; i++) {
    const customer = 1 + (i % 3);
    // Keys spread so that numeric order differs from text order (9 < 10 < 100).
    const id = (i * 7919) % 100_003;
    rows['public.orders']?.push({
      id,
      customer_id: customer,
      referrer_id: i % 5 === 0 ? 1 : null,
      total: `${i}.50`,
    });
    for (let line = 1; line <= 1 + (i % 3); line++)
      rows['public.order_line']?.push({ order_id: id, line, sku: `SKU-${(i * line) % 17}` });
    // Keyless, with exact duplicates (counted as copies).
    rows['public.audit']?.push({ customer_id: customer, event: i % 4 === 0 ? 'login' : `view ${i % 7}` });
  }
  return rows;
}

async function both(
  rows: Record<string, CanonicalRow[]>,
  runBytes: number,
  identifiers: Record<string, string[]>,
) {
  const deps = { dataMap: map, searchers: { postgres: memorySearcher(rows, 7) }, subjectHashKey: KEY };
  const memory = await discoverSubject(deps, { requestId: 'req-s', identifiers });
  const streamed = await discoverSubjectStream(
    { ...deps, searchers: { postgres: memorySearcher(rows, 7) }, spill: { runBytes } },
    { requestId: 'req-s', identifiers },
  );
  const chunks: string[] = [];
  for await (const chunk of serializeFindingsSource(streamed.findings)) chunks.push(chunk);
  const fileChunks: Uint8Array[] = [];
  for await (const chunk of serializeSpilledFindings(streamed.findings)) fileChunks.push(chunk);
  return { memory, streamed, bytes: chunks.join(''), fileBytes: Buffer.concat(fileChunks).toString('utf8') };
}

describe('Function: discoverSubjectStream', () => {
  it('writes the same bytes and evidence hash as the in-memory document, also when spilled into many runs', async () => {
    // Prepare
    const rows = shop(400);
    const identifiers = { email: ['ANA@x.test', 'ana.alt@x.test'] };

    // Act
    const inMemory = await both(rows, 64 * 1024 * 1024, identifiers);
    const spilled = await both(rows, 3000, identifiers);

    // Assess
    const expected = serializeFindingsDocument(inMemory.memory.document);
    expect(inMemory.streamed.runs).toBe(0);
    expect(spilled.streamed.runs).toBeGreaterThan(10);
    for (const { streamed, bytes, fileBytes } of [inMemory, spilled]) {
      expect(bytes).toBe(expected);
      expect(fileBytes).toBe(expected);
      expect(streamed.findings.summary.evidenceHash).toBe(inMemory.memory.document.evidenceHash);
      expect(streamed.findings.summary.counts).toEqual(inMemory.memory.document.counts);
      expect(streamed.findings.summary.rows).toBe(inMemory.memory.document.findings.length);
      expect(streamed.rounds).toBe(inMemory.memory.rounds);
      await streamed.findings.dispose();
    }
    // The shapes the comparison must cover are there.
    const doc = inMemory.memory.document;
    expect(doc.unreadable).toEqual([
      {
        column: 'bad',
        key: { ticket_id: 'd4' },
        reason: 'ill_formed_unicode',
        system: 'postgres',
        table: 'public.ticket',
      },
    ]);
    const ticket = doc.findings.find((f) => f.table === 'public.ticket' && f.key.ticket_id === 'b0');
    expect(ticket?.provenance.map((p) => `${p.column}@${p.round}`)).toEqual(['cc_email@1', 'email@1']);
    const audit = doc.findings.filter((f) => f.table === 'public.audit');
    expect(audit.some((f) => f.key._n === 2)).toBe(true);
    expect(doc.counts.postgres?.['public.order_line']).toBeGreaterThan(400);
  });

  it('lets lines() be read more than once, and dispose() removes the findings file', async () => {
    const { streamed } = await both(shop(30), 500, { email: ['ana@x.test'] });
    const read = async () => {
      const lines: string[] = [];
      for await (const line of streamed.findings.lines()) lines.push(line);
      return lines;
    };
    const first = await read();
    expect(first).toHaveLength(streamed.findings.summary.rows);
    expect(await read()).toEqual(first);
    expect((await readFile(streamed.findings.path, 'utf8')).split('\n').slice(0, -1)).toEqual(first);
    await streamed.findings.dispose();
    expect(existsSync(streamed.findings.path)).toBe(false);
  });

  it('gives a result independent of the run layout: a row met in several runs and rounds is counted once', async () => {
    const rows = shop(50);
    const sizes = [200, 900, 5000, 1 << 26];
    const hashes = new Set<string>();
    for (const runBytes of sizes) {
      const { streamed, bytes } = await both(rows, runBytes, { customer_id: ['1'], email: ['ana@x.test'] });
      hashes.add(bytes);
      await streamed.findings.dispose();
    }
    expect(hashes.size).toBe(1);
  });

  it('numbers identical keyless rows per search as they were met, also when their copies lie in many runs', async () => {
    // Prepare: a keyless log met by email in round 1 and by the learned customer id in round 2.
    const logMap = parseDataMap(
      `version: 1
identities: { email: { normalize: lowercase }, customer_id: {}, phone: { normalize: phone, region: US } }
postgres:
  - table: public.customer
    primaryKey: [id]
    identities: { email: email, customer_id: id }
    learn: [customer_id]
  - table: public.log
    identities: { email: email, customer_id: customer_id, phone: phone }
`,
      'map.yaml',
    );
    const a = { customer_id: 1, email: 'ana@x.test', event: 'login', phone: '12', bad: null };
    const b = { customer_id: 1, email: null, event: 'login', phone: null, bad: null };
    const log: CanonicalRow[] = [a, { ...a, bad: true }, a, b, a, b];
    // Many more copies, of 7 distinct rows, spread over the spill's runs.
    for (let i = 0; i < 700; i++)
      log.push({ customer_id: 1, email: 'ana@x.test', event: `view ${i % 7}`, phone: null, bad: null });
    const rows = { 'public.customer': [{ id: 1, email: 'ana@x.test' }], 'public.log': log };
    const deps = { dataMap: logMap, subjectHashKey: KEY };
    const identifiers = { email: ['ana@x.test'] };

    // Act
    const memory = await discoverSubject(
      { ...deps, searchers: { postgres: memorySearcher(rows, 7) } },
      { requestId: 'req-k', identifiers },
    );
    const streamed = await discoverSubjectStream(
      { ...deps, searchers: { postgres: memorySearcher(rows, 7) }, spill: { runBytes: 2000 } },
      { requestId: 'req-k', identifiers },
    );
    const chunks: Uint8Array[] = [];
    for await (const chunk of serializeSpilledFindings(streamed.findings)) chunks.push(chunk);
    await streamed.findings.dispose();

    // Assess: the unreadable copy keeps its place (2) among the copies of a; b is met in round 2 only.
    expect(streamed.runs).toBeGreaterThan(20);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(serializeFindingsDocument(memory.document));
    const doc = memory.document;
    const found = doc.findings
      .filter((f) => f.table === 'public.log' && f.row.event === 'login')
      .map((f) => ({ key: f.key, via: f.provenance.map((p) => `${p.column}@${p.round}`) }));
    const byRow = (x: { key: { _row?: unknown } }, y: { key: { _row?: unknown } }) =>
      String(x.key._row) < String(y.key._row) ? -1 : 1;
    expect(found).toEqual(
      [
        { key: keylessFindingKey(a, 1), via: ['email@1'] },
        { key: keylessFindingKey(a, 3), via: ['email@1'] },
        { key: keylessFindingKey(a, 4), via: ['email@1'] },
        { key: keylessFindingKey(b, 1), via: ['customer_id@2'] },
        { key: keylessFindingKey(b, 2), via: ['customer_id@2'] },
      ].sort(byRow),
    );
    expect(doc.unreadable).toEqual([
      {
        column: 'bad',
        key: keylessFindingKey(a, 2),
        reason: 'ill_formed_unicode',
        system: 'postgres',
        table: 'public.log',
      },
    ]);
    expect(doc.counts.postgres?.['public.log']).toBe(5 + 700);
    const views = doc.findings.filter((f) => f.table === 'public.log' && f.row.event === 'view 3');
    expect(views.map((f) => f.key._n)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // Its phone '12' cannot be parsed: the three findings of a are counted, not its meetings (six).
    expect(doc.unparsedPhones).toEqual([
      { column: 'phone', rows: 3, system: 'postgres', table: 'public.log' },
    ]);
    expect(streamed.findings.summary.unparsedPhones).toEqual(doc.unparsedPhones);
  });
});
