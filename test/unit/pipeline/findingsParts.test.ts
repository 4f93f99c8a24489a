import { describe, expect, it } from 'vitest';
import type { CanonicalValue } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { parseExactJson } from '../../../shared/canonical/parseExactJson';
import { sha256Hex } from '../../../shared/canonical/sha256';
import {
  buildFindingsDocument,
  type FindingsDocument,
  serializeFindingsDocument,
} from '../../../shared/discovery/FindingsDocument';
import { findingsSourceOf } from '../../../shared/discovery/FindingsStream';
import { IntegrityViolationError } from '../../../shared/errors/IntegrityViolationError';
import type { PayloadStore } from '../../../shared/payload/PayloadStore';
import { PayloadMissingError } from '../../../shared/pipeline/errors';
import { type FindingsManifest, findingsPartKey } from '../../../shared/pipeline/FindingsManifest';
import { buildStageMessage, documentText, type StageMessage } from '../../../shared/pipeline/StageMessage';
import { verifyFindingsHandOff } from '../../../shared/pipeline/verifyFindingsHandOff';
import { InMemoryPayloadStore } from '../../support/inMemoryPorts';

const SUBJECT = 'a'.repeat(64);
const PART_BYTES = 700;

/** Shapes real estates have: a keyless table (row identity as key), exact big numbers, rows mentioning two people. */
function documentFor(requestId: string, salt = ''): FindingsDocument {
  return buildFindingsDocument({
    requestId,
    subjectHash: SUBJECT,
    tables: [
      {
        system: 'postgres',
        table: 'public.orders',
        primaryKey: ['id'],
        rows: Array.from({ length: 30 }, (_, i) => ({
          key: { id: i + 1 },
          provenance: [{ column: 'buyer', identity: 'email', round: 1, source: 'request', via: 'identity' }],
          row: {
            id: i + 1,
            buyer: 'ana@example.com',
            seller: 'bo@example.com',
            total: parseExactJson(`12345678901234567890.00000000000000000${i % 10}`) as CanonicalValue,
            note: `order ${i}${salt}`,
          },
        })),
      },
      {
        system: 'postgres',
        table: 'public.audit_log',
        primaryKey: [],
        rows: Array.from({ length: 12 }, (_, i) => ({
          key: { __row: `r${String(i).padStart(3, '0')}` },
          provenance: [],
          row: { actor: 'ana@example.com', action: `login ${i}${salt}` },
        })),
      },
      { system: 'snowflake', table: 'ANALYTICS.PUBLIC.WEB_SESSIONS', primaryKey: ['SESSION_ID'], rows: [] },
    ],
  });
}

const header = (requestId: string) => ({
  requestId,
  type: 'access' as const,
  jurisdiction: 'GDPR',
  deadline: '2026-02-01T00:00:00.000Z',
  subjectHash: SUBJECT,
  traceId: 't',
  tablesTouched: ['postgres:public.audit_log', 'postgres:public.orders'],
});

async function inParts(requestId: string, store: InMemoryPayloadStore, salt = '') {
  const document = documentFor(requestId, salt);
  const message = await buildStageMessage(header(requestId), findingsSourceOf(document), store, {
    thresholdBytes: 1024,
    partBytes: PART_BYTES,
  });
  if (!('parts' in message.findings)) throw new Error('parts expected');
  const pointer = message.findings.parts;
  const manifest = JSON.parse(store.objects.get(pointer.key)?.body ?? '') as FindingsManifest;
  return { document, message, pointer, manifest };
}

/** Rewrites the manifest and points the message at it, as a writer who knows the format would. */
async function withManifest(
  store: InMemoryPayloadStore,
  message: StageMessage,
  manifest: FindingsManifest,
): Promise<StageMessage> {
  const body = canonicalJson(manifest as unknown as CanonicalValue);
  const pointer = await store.put(`claim-check/${message.requestId}/rewritten/manifest.json`, body);
  return { ...message, findings: { parts: { ...pointer, sha256: sha256Hex(body) } } };
}

const reasonOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (e: unknown) =>
      e instanceof IntegrityViolationError
        ? e.reason
        : e instanceof PayloadMissingError
          ? 'payload_missing'
          : `other: ${String(e)}`,
  );

describe('Function: buildStageMessage (parts)', () => {
  it('writes whole lines in parts of at most the part size, listed in order with their hashes', async () => {
    // Prepare
    const store = new InMemoryPayloadStore();
    // Act
    const { document, manifest, pointer } = await inParts('req-1', store);
    // Assess
    expect(manifest.parts.length).toBeGreaterThan(5);
    expect(manifest.rows).toBe(42);
    expect(manifest.parts.reduce((n, p) => n + p.rows, 0)).toBe(42);
    const lines: string[] = [];
    manifest.parts.forEach((part, i) => {
      const body = store.objects.get(part.key)?.body ?? '';
      expect(part.key).toBe(
        `claim-check/req-1/${document.evidenceHash}/part-${String(i + 1).padStart(5, '0')}.ndjson`,
      );
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(PART_BYTES);
      expect(sha256Hex(body)).toBe(part.sha256);
      expect(body.endsWith('\n')).toBe(true);
      lines.push(...body.slice(0, -1).split('\n'));
    });
    // The parts joined are the canonical findings: the evidence hash is theirs.
    expect(`[${lines.join(',')}]`).toBe(canonicalJson(document.findings as unknown as CanonicalValue));
    expect(sha256Hex(`[${lines.join(',')}]`)).toBe(document.evidenceHash);
    expect(pointer.key).toBe(`claim-check/req-1/${document.evidenceHash}/manifest.json`);
  });

  it('gives byte-identical parts and manifest for the same findings', async () => {
    const a = new InMemoryPayloadStore();
    const b = new InMemoryPayloadStore();
    const first = await inParts('req-1', a);
    const second = await inParts('req-1', b);
    expect(second.pointer.sha256).toBe(first.pointer.sha256);
    expect([...b.objects.entries()].map(([k, v]) => [k, v.body])).toEqual(
      [...a.objects.entries()].map(([k, v]) => [k, v.body]),
    );
  });

  it('keeps small findings inline, as the document text serializeFindingsDocument writes', async () => {
    const store = new InMemoryPayloadStore();
    const document = documentFor('req-1');
    const message = await buildStageMessage(header('req-1'), findingsSourceOf(document), store);
    expect(message.findings).toEqual({ inline: serializeFindingsDocument(document) });
    expect(store.objects.size).toBe(0);
    const source = findingsSourceOf(documentFor('req-2'));
    const lines: string[] = [];
    for await (const line of source.lines()) lines.push(line);
    expect(documentText(source.summary, lines)).toBe(serializeFindingsDocument(documentFor('req-2')));
  });
});

describe('Function: verifyFindingsHandOff (parts)', () => {
  it('accepts the parts as written and gives back the exact findings part by part', async () => {
    const store = new InMemoryPayloadStore();
    const { document, message, manifest, pointer } = await inParts('req-1', store);
    const verified = await verifyFindingsHandOff(message, store, { ledgerSubjectHash: SUBJECT });
    expect(verified.handOff).toBe(pointer.sha256);
    expect(verified.parts.map((p) => p.sha256)).toEqual(manifest.parts.map((p) => p.sha256));
    const back = [];
    for (let i = 0; i < verified.parts.length; i++) back.push(...(await verified.readPart(i)).findings);
    expect(canonicalJson(back as unknown as CanonicalValue)).toBe(
      canonicalJson(document.findings as unknown as CanonicalValue),
    );
  });

  it("with only, parses and gives just the accepted tables' findings, exactly as a whole read does", async () => {
    // Prepare
    const store = new InMemoryPayloadStore();
    const { message } = await inParts('req-1', store);
    const verified = await verifyFindingsHandOff(message, store, { ledgerSubjectHash: SUBJECT });
    const audit = (t: { readonly system: string; readonly table: string }) => t.table === 'public.audit_log';

    // Act
    const all = [];
    const some = [];
    for (let i = 0; i < verified.parts.length; i++) {
      all.push(...(await verified.readPart(i)).findings);
      const part = await verified.readPart(i, { only: audit });
      some.push(...part.findings);
      // Every line is still given, for whoever hashes or copies them.
      expect(part.lines).toEqual((await verified.readPart(i, { parse: false })).lines);
    }

    // Assess
    expect(some.length).toBe(12);
    expect(canonicalJson(some as unknown as CanonicalValue)).toBe(
      canonicalJson(all.filter(audit) as unknown as CanonicalValue),
    );
  });

  it('reads each part once, never more than one part at a time', async () => {
    const inner = new InMemoryPayloadStore();
    const { message, manifest, pointer } = await inParts('req-1', inner);
    const reads: string[] = [];
    const counting: PayloadStore = {
      bucket: inner.bucket,
      put: (k, b, m) => inner.put(k, b, m),
      list: (prefix) => inner.list(prefix),
      delete: (key) => inner.delete(key),
      get: async (pointer) => {
        reads.push(pointer.key);
        return inner.get(pointer);
      },
    };
    await verifyFindingsHandOff(message, counting);
    expect(reads).toEqual([pointer.key, ...manifest.parts.map((p) => p.key)]);
  });

  it('refuses a tampered part (its hash is not the manifest’s)', async () => {
    const store = new InMemoryPayloadStore();
    const { message, manifest } = await inParts('req-1', store);
    const key = manifest.parts[2]?.key ?? '';
    const stored = store.objects.get(key);
    store.objects.set(key, {
      body: (stored?.body ?? '').replace('ana@', 'eve@'),
      metadata: stored?.metadata ?? {},
    });
    expect(await reasonOf(verifyFindingsHandOff(message, store))).toBe('payload_checksum_mismatch');
  });

  it('refuses a tampered part whose manifest was rewritten to match (the evidence hash gives it away)', async () => {
    const store = new InMemoryPayloadStore();
    const { message, manifest } = await inParts('req-1', store);
    const part = manifest.parts[2];
    if (!part) throw new Error('part 3 expected');
    const body = (store.objects.get(part.key)?.body ?? '').replace('ana@', 'eve@');
    await store.put(part.key, body);
    const parts = manifest.parts.map((p) =>
      p.key === part.key ? { ...p, sha256: sha256Hex(body), bytes: Buffer.byteLength(body) } : p,
    );
    const forged = await withManifest(store, message, { ...manifest, parts });
    expect(await reasonOf(verifyFindingsHandOff(forged, store))).toBe('evidence_hash_mismatch');
  });

  it('refuses a missing part', async () => {
    const store = new InMemoryPayloadStore();
    const { message, manifest } = await inParts('req-1', store);
    store.objects.delete(manifest.parts[3]?.key ?? '');
    expect(await reasonOf(verifyFindingsHandOff(message, store))).toBe('payload_missing');
  });

  it('refuses a manifest whose parts were reordered, by key or by content', async () => {
    const store = new InMemoryPayloadStore();
    const { message, manifest } = await inParts('req-1', store);
    const [p1, p2, ...rest] = manifest.parts;
    if (!p1 || !p2) throw new Error('two parts expected');
    const byKey = await withManifest(store, message, { ...manifest, parts: [p2, p1, ...rest] });
    expect(await reasonOf(verifyFindingsHandOff(byKey, store))).toBe('findings_malformed');
    // Keys left in order, contents swapped with their hashes: the lines are out of order.
    const b1 = store.objects.get(p1.key);
    const b2 = store.objects.get(p2.key);
    if (!b1 || !b2) throw new Error('parts expected');
    store.objects.set(p1.key, b2);
    store.objects.set(p2.key, b1);
    const swapped = await withManifest(store, message, {
      ...manifest,
      parts: [{ ...p2, key: p1.key }, { ...p1, key: p2.key }, ...rest],
    });
    expect(await reasonOf(verifyFindingsHandOff(swapped, store))).toBe('evidence_hash_mismatch');
  });

  it('refuses a part whose rows belong to another request', async () => {
    const store = new InMemoryPayloadStore();
    const { message, manifest } = await inParts('req-1', store);
    const other = await inParts('req-2', store, ' of another request');
    const mine = manifest.parts[1];
    const theirs = other.manifest.parts[1];
    if (!mine || !theirs) throw new Error('parts expected');
    const foreign = store.objects.get(theirs.key);
    if (!foreign) throw new Error('part expected');
    // Copied with its metadata: the part says whose it is.
    store.objects.set(mine.key, foreign);
    const parts = manifest.parts.map((p) => (p.key === mine.key ? { ...theirs, key: mine.key } : p));
    const forged = await withManifest(store, message, { ...manifest, parts });
    expect(await reasonOf(verifyFindingsHandOff(forged, store))).toBe('request_id_mismatch');
    // Copied without it: its lines are not this request's findings.
    store.objects.set(mine.key, { body: foreign.body, metadata: {} });
    expect(await reasonOf(verifyFindingsHandOff(forged, store))).toBe('evidence_hash_mismatch');
    // Another request's manifest altogether.
    expect(
      await reasonOf(verifyFindingsHandOff({ ...message, findings: other.message.findings }, store)),
    ).toBe('request_id_mismatch');
  });

  it('refuses a manifest that is not the one the message names, and other subjects and counts', async () => {
    const store = new InMemoryPayloadStore();
    const { message, pointer, manifest } = await inParts('req-1', store);
    await store.put(pointer.key, canonicalJson({ ...manifest, rows: 41 } as unknown as CanonicalValue));
    expect(await reasonOf(verifyFindingsHandOff(message, store))).toBe('payload_checksum_mismatch');
    const wrongRows = await withManifest(store, message, { ...manifest, rows: 41 });
    expect(await reasonOf(verifyFindingsHandOff(wrongRows, store))).toBe('findings_malformed');
    const good = await withManifest(store, message, manifest);
    expect(await reasonOf(verifyFindingsHandOff(good, store, { ledgerSubjectHash: 'd'.repeat(64) }))).toBe(
      'ledger_subject_mismatch',
    );
    expect(
      await reasonOf(verifyFindingsHandOff({ ...good, tablesTouched: ['postgres:public.orders'] }, store)),
    ).toBe('tables_touched_mismatch');
    expect(await reasonOf(verifyFindingsHandOff({ ...good, evidenceHash: 'e'.repeat(64) }, store))).toBe(
      'evidence_hash_mismatch',
    );
  });

  it('at the gate checks hashes and counts without parsing every line; the load parses each line', async () => {
    // Prepare: a writer who rewrites a part, its manifest and the message's evidence hash coherently,
    // with a line that is no finding (no row) but ends as one.
    const store = new InMemoryPayloadStore();
    const { message, manifest } = await inParts('req-1', store);
    const part = manifest.parts[0];
    if (!part) throw new Error('part expected');
    const body = (store.objects.get(part.key)?.body ?? '').replace(/"row":\{[^}]*\},/, '');
    await store.put(part.key, body, { 'request-id': 'req-1' });
    const lines: string[] = [];
    const parts = manifest.parts.map((p) => {
      const b = p.key === part.key ? body : (store.objects.get(p.key)?.body ?? '');
      lines.push(...b.slice(0, -1).split('\n'));
      return p.key === part.key ? { ...p, sha256: sha256Hex(b), bytes: Buffer.byteLength(b) } : p;
    });
    const hash = sha256Hex(`[${lines.join(',')}]`);
    // Part keys name the evidence hash: the forger moves every part under the new one.
    for (const [i, p] of parts.entries()) {
      const key = findingsPartKey('req-1', hash, i + 1);
      const stored = p.key === part.key ? body : (store.objects.get(p.key)?.body ?? '');
      await store.put(key, stored, { 'request-id': 'req-1' });
      parts[i] = { ...p, key };
    }
    const forged = await withManifest(
      store,
      { ...message, evidenceHash: hash },
      { ...manifest, evidenceHash: hash, parts },
    );
    // Act & Assess
    expect(await reasonOf(verifyFindingsHandOff(forged, store, { parseLines: false }))).toBe('accepted');
    expect(await reasonOf(verifyFindingsHandOff(forged, store))).toBe('findings_malformed');
    // Counts are checked either way.
    const counts = {
      postgres: { 'public.audit_log': 13, 'public.orders': 29 },
      snowflake: manifest.counts.snowflake ?? {},
    };
    const miscounted = await withManifest(
      store,
      { ...message, evidenceHash: hash },
      { ...manifest, evidenceHash: hash, parts, counts },
    );
    expect(await reasonOf(verifyFindingsHandOff(miscounted, store, { parseLines: false }))).toBe(
      'findings_malformed',
    );
  });
});

describe('The note of values not followed across the hand-off', () => {
  const note = [
    {
      column: 'phone',
      heldBy: [
        { column: 'phone', rows: 1, system: 'postgres' as const, table: 'trade.shippers' },
        { column: 'phone', rows: 1, system: 'postgres' as const, table: 'trade.suppliers' },
      ],
      identity: 'phone',
      rows: 2,
      system: 'postgres' as const,
      table: 'trade.suppliers',
      values: 1,
    },
  ];
  const withNote = (requestId: string): FindingsDocument => ({
    ...documentFor(requestId),
    notFollowed: note,
  });

  it('travels inline as serializeFindingsDocument writes it, and parts in the manifest, outside the evidence hash', async () => {
    const store = new InMemoryPayloadStore();
    const small = buildFindingsDocument({
      requestId: 'req-n1',
      subjectHash: SUBJECT,
      tables: [{ system: 'postgres', table: 'trade.suppliers', primaryKey: ['id'], rows: [] }],
      notFollowed: note,
    });
    const inline = await buildStageMessage(
      { ...header('req-n1'), tablesTouched: [] },
      findingsSourceOf(small),
      store,
    );
    if (!('inline' in inline.findings)) throw new Error('inline expected');
    expect(inline.findings.inline).toBe(serializeFindingsDocument(small));
    expect((await verifyFindingsHandOff(inline, store)).notFollowed).toEqual(note);

    const document = withNote('req-n2');
    const parted = await buildStageMessage(header('req-n2'), findingsSourceOf(document), store, {
      thresholdBytes: 1024,
      partBytes: PART_BYTES,
    });
    expect(parted.evidenceHash).toBe(documentFor('req-n2').evidenceHash);
    const verified = await verifyFindingsHandOff(parted, store);
    expect(verified.notFollowed).toEqual(note);
  });

  it('refuses a note that carries anything but names and counts', async () => {
    const store = new InMemoryPayloadStore();
    const { message, manifest } = await inParts('req-n3', store);
    const tampered = await withManifest(store, message, {
      ...manifest,
      notFollowed: [{ ...note[0], value: '+1 206 555 0142' }],
    } as unknown as FindingsManifest);
    expect(await reasonOf(verifyFindingsHandOff(tampered, store))).toBe('findings_malformed');
    const counted = await withManifest(store, message, {
      ...manifest,
      notFollowed: [{ ...note[0], rows: '2065550142' }],
    } as unknown as FindingsManifest);
    expect(await reasonOf(verifyFindingsHandOff(counted, store))).toBe('findings_malformed');
  });
});
