import { describe, expect, it } from 'vitest';
import type { CanonicalValue } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { buildFindingsDocument, type Finding } from '../../../shared/discovery/FindingsDocument';
import { findingsSourceOf } from '../../../shared/discovery/FindingsStream';
import type { LedgerEntry } from '../../../shared/ledger/Ledger';
import type { RequestState } from '../../../shared/ledger/RequestState';
import type { FindingsManifest } from '../../../shared/pipeline/FindingsManifest';
import { decideLoad, isPartCheckpoint, partsLoaded } from '../../../shared/pipeline/LoadCheckpoint';
import type { PackageWriter } from '../../../shared/pipeline/PackageWriter';
import { decideEntry, RequestLedger } from '../../../shared/pipeline/RequestLedger';
import { buildStageMessage } from '../../../shared/pipeline/StageMessage';
import { loadStage } from '../../../shared/pipeline/stages/loadStage';
import { InMemoryLedger } from '../../support/InMemoryLedger';
import {
  captureSignals,
  InMemoryPayloadStore,
  InMemoryQueue,
  recordContext,
} from '../../support/inMemoryPorts';

const SUBJECT = 'a'.repeat(64);
const LOAD = 'https://sqs.local/load';
const T0 = Date.parse('2026-03-01T12:00:00.000Z');

/** A clock that moves one second per reading, so ledger entries are ordered as written. */
function ticking() {
  let t = T0;
  return () => {
    t += 1000;
    return new Date(t);
  };
}

async function partsMessage(requestId: string, store: InMemoryPayloadStore, rows = 40) {
  const document = buildFindingsDocument({
    requestId,
    subjectHash: SUBJECT,
    tables: [
      {
        system: 'postgres',
        table: 'public.events',
        primaryKey: ['id'],
        rows: Array.from({ length: rows }, (_, i) => ({
          key: { id: i + 1 },
          provenance: [],
          row: { id: i + 1, who: 'ana@example.com', also: 'bo@example.com', n: i },
        })),
      },
    ],
  });
  const message = await buildStageMessage(
    {
      requestId,
      type: 'access',
      jurisdiction: 'GDPR',
      deadline: '2026-04-01T00:00:00.000Z',
      subjectHash: SUBJECT,
      traceId: 't',
      tablesTouched: ['postgres:public.events'],
    },
    findingsSourceOf(document),
    store,
    { thresholdBytes: 512, partBytes: 600 },
  );
  if (!('parts' in message.findings)) throw new Error('parts expected');
  const manifest = JSON.parse(store.objects.get(message.findings.parts.key)?.body ?? '') as FindingsManifest;
  return { document, message, manifest, body: JSON.stringify(message) };
}

/** The ledger as the gate leaves it: up to `gated`. */
function gatedLedger(requestId: string): InMemoryLedger {
  const ledger = new InMemoryLedger();
  const states: RequestState[] = ['received', 'discovering', 'discovered', 'gated'];
  states.forEach((state, i) => {
    ledger.entries.push({
      requestId,
      state,
      at: new Date(T0 - 100_000 + i * 1000).toISOString(),
      stage: state === 'gated' ? 'gate' : 'extract-high',
      traceId: 't',
      ...(state === 'received' ? { detail: { subjectHash: SUBJECT } } : {}),
    });
  });
  return ledger;
}

function loader(
  ledger: InMemoryLedger,
  payloads: InMemoryPayloadStore,
  options: {
    failAtPart?: number;
    reserveMs?: number;
    packages?: PackageWriter;
    packageMsPerRow?: number;
  } = {},
) {
  const queue = new InMemoryQueue();
  const signals = captureSignals();
  const landed: { part: number; findings: readonly Finding[] }[] = [];
  let failAt = options.failAtPart;
  const work = loadStage({
    stage: 'load',
    ledger,
    queue,
    payloads,
    logger: signals.logger,
    now: ticking(),
    metrics: signals.metrics,
    pagerDuty: signals.pagerDuty,
    continueQueueUrl: LOAD,
    ...(options.reserveMs !== undefined ? { reserveMs: options.reserveMs } : {}),
    ...(options.packages ? { packages: options.packages } : {}),
    ...(options.packageMsPerRow !== undefined ? { packageMsPerRow: options.packageMsPerRow } : {}),
    loadPart: async (findings, { part }) => {
      if (part === failAt) {
        failAt = undefined;
        throw new Error('SF_DEADLINE: the warehouse did not answer in time');
      }
      landed.push({ part, findings });
    },
  });
  return { work, queue, signals, landed };
}

describe('Function: loadStage (parts)', () => {
  it('loads every part in order, with a checkpoint after each but the last, then loaded', async () => {
    // Prepare
    const payloads = new InMemoryPayloadStore();
    const { document, manifest, body } = await partsMessage('req-1', payloads);
    const ledger = gatedLedger('req-1');
    const { work, landed } = loader(ledger, payloads);
    // Act
    await work(body, recordContext(body));
    // Assess
    const count = manifest.parts.length;
    expect(count).toBeGreaterThan(4);
    expect(landed.map((l) => l.part)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(canonicalJson(landed.flatMap((l) => l.findings) as unknown as CanonicalValue)).toBe(
      canonicalJson(document.findings as unknown as CanonicalValue),
    );
    const checkpoints = ledger.entries.filter(isPartCheckpoint);
    expect(checkpoints.map((e) => e.stage)).toEqual(
      Array.from({ length: count - 1 }, (_, i) => `load-part-${String(i + 1).padStart(5, '0')}`),
    );
    expect(ledger.entries.filter((e) => !isPartCheckpoint(e)).map((e) => e.state)).toEqual([
      'received',
      'discovering',
      'discovered',
      'gated',
      'loading',
      'loaded',
    ]);
    expect(ledger.entries.at(-1)?.detail).toMatchObject({
      rows: 40,
      parts: count,
      evidenceHash: document.evidenceHash,
    });
  });

  it('a cancellation recorded while parts land stops the load before the next part; nothing more lands', async () => {
    // Prepare
    const payloads = new InMemoryPayloadStore();
    const { manifest, body } = await partsMessage('req-c', payloads);
    const ledger = gatedLedger('req-c');
    const landed: number[] = [];
    const signals = captureSignals();
    const work = loadStage({
      stage: 'load',
      ledger,
      queue: new InMemoryQueue(),
      payloads,
      logger: signals.logger,
      now: ticking(),
      metrics: signals.metrics,
      pagerDuty: signals.pagerDuty,
      continueQueueUrl: LOAD,
      loadPart: async (_findings, { part }) => {
        landed.push(part);
        // An operator's `dsr cancel` while part 2 is being written.
        if (part === 2)
          ledger.entries.push({
            requestId: 'req-c',
            state: 'cancelled',
            at: new Date(T0 + 500).toISOString(),
            stage: 'operator',
            traceId: 'c',
          });
      },
    });
    // Act
    await work(body, recordContext(body));
    // Assess
    expect(manifest.parts.length).toBeGreaterThan(3);
    expect(landed).toEqual([1, 2]);
    expect(ledger.states('req-c')).not.toContain('loaded');
    expect(signals.lines.some((l) => l.includes('request cancelled: no further work'))).toBe(true);
  });

  it('an extension recorded during a load does not hide it: the redelivery resumes', () => {
    const history: LedgerEntry[] = [
      { requestId: 'r', state: 'gated', at: '2026-03-01T12:00:00.000Z', stage: 'gate', traceId: 't' },
      { requestId: 'r', state: 'loading', at: '2026-03-01T12:00:01.000Z', stage: 'load', traceId: 't' },
      { requestId: 'r', state: 'extended', at: '2026-03-01T12:00:02.000Z', stage: 'operator', traceId: 't' },
    ];
    expect(decideLoad(history)).toEqual({ action: 'resume' });
  });

  it('a retry after a failure at part k resumes at part k: parts before it are not loaded again', async () => {
    // Prepare
    const payloads = new InMemoryPayloadStore();
    const { document, manifest, body } = await partsMessage('req-2', payloads);
    const ledger = gatedLedger('req-2');
    const k = 4;
    const { work, landed } = loader(ledger, payloads, { failAtPart: k });
    // Act: the first delivery fails at part k; the record processor marks the request retrying.
    await expect(work(body, recordContext(body))).rejects.toThrow(/SF_DEADLINE/);
    await new RequestLedger(ledger, 'load', ticking()).transitionIfAllowed('req-2', 't', 'retrying');
    await work(body, recordContext(body, { receiveCount: 2 }));
    // Assess
    const count = manifest.parts.length;
    expect(landed.map((l) => l.part)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(landed.filter((l) => l.part < k)).toHaveLength(k - 1);
    expect(landed.flatMap((l) => l.findings)).toHaveLength(document.findings.length);
    expect(ledger.states('req-2').filter((s) => s === 'loaded')).toHaveLength(1);
  });

  it('a redelivery after a timeout (no retrying entry, last word a checkpoint) resumes rather than failing', async () => {
    const payloads = new InMemoryPayloadStore();
    const { manifest, body } = await partsMessage('req-3', payloads);
    const ledger = gatedLedger('req-3');
    // The first invocation is killed while it loads part 3: `loading` and two checkpoints remain.
    const first = loader(ledger, payloads, { failAtPart: 3 });
    await expect(first.work(body, recordContext(body))).rejects.toThrow();
    expect(ledger.entries.at(-1)?.stage).toBe('load-part-00002');
    const second = loader(ledger, payloads);
    await second.work(body, recordContext(body, { receiveCount: 2 }));
    expect(second.landed.map((l) => l.part)).toEqual(
      Array.from({ length: manifest.parts.length - 2 }, (_, i) => i + 3),
    );
    expect(ledger.states('req-3').at(-1)).toBe('loaded');
  });

  it('stops taking parts when time is short and sends the request to the load queue to continue', async () => {
    const payloads = new InMemoryPayloadStore();
    const { manifest, body } = await partsMessage('req-4', payloads);
    const ledger = gatedLedger('req-4');
    const { work, queue, landed } = loader(ledger, payloads, { reserveMs: 10_000 });
    // Time for two parts: then less than the reserve is left.
    let remaining = 15_000;
    const context = { ...recordContext(body), remainingMs: () => (remaining -= 2_000) };
    await work(body, context);
    expect(landed.map((l) => l.part)).toEqual([1, 2]);
    expect(queue.bodiesTo(LOAD)).toEqual([body]);
    expect(ledger.states('req-4')).not.toContain('loaded');
    // The next invocation, with time enough, finishes from part 3.
    const next = loader(ledger, payloads);
    await next.work(body, recordContext(body));
    expect(next.landed.map((l) => l.part)).toEqual(
      Array.from({ length: manifest.parts.length - 2 }, (_, i) => i + 3),
    );
    expect(ledger.states('req-4').at(-1)).toBe('loaded');
  });

  it('hands the package on to a fresh invocation when the parts leave less time than it needs, and loads no part twice', async () => {
    const payloads = new InMemoryPayloadStore();
    const { manifest, body } = await partsMessage('req-p', payloads);
    const ledger = gatedLedger('req-p');
    const written: string[] = [];
    const packages: PackageWriter = {
      access: async (requestId) => {
        written.push(requestId);
      },
      erasure: async () => undefined,
    };
    // 40 rows at 1 s each and 10 s in reserve: 50 s for the package; 45 s are left after the parts.
    const options = { reserveMs: 10_000, packages, packageMsPerRow: 1_000 };
    const first = loader(ledger, payloads, options);
    await first.work(body, { ...recordContext(body), remainingMs: () => 45_000 });
    expect(first.landed.map((l) => l.part)).toEqual(manifest.parts.map((_, i) => i + 1));
    expect(written).toEqual([]);
    expect(first.queue.bodiesTo(LOAD)).toEqual([body]);
    expect(ledger.states('req-p')).not.toContain('loaded');
    // Every part, the last included, has its checkpoint: the next invocation loads none again.
    expect(ledger.entries.filter(isPartCheckpoint)).toHaveLength(manifest.parts.length);
    // The next invocation loads nothing and writes the package even with as little time: handing
    // on again would never end.
    const next = loader(ledger, payloads, options);
    await next.work(body, { ...recordContext(body), remainingMs: () => 45_000 });
    expect(next.landed).toEqual([]);
    expect(written).toEqual(['req-p']);
    expect(next.queue.bodiesTo(LOAD)).toEqual([]);
    expect(ledger.states('req-p').at(-1)).toBe('loaded');
  });

  it('writes the package in the same invocation when the time left is enough', async () => {
    const payloads = new InMemoryPayloadStore();
    const { body } = await partsMessage('req-q', payloads);
    const ledger = gatedLedger('req-q');
    const written: string[] = [];
    const packages: PackageWriter = {
      access: async (requestId) => {
        written.push(requestId);
      },
      erasure: async () => undefined,
    };
    const { work, queue } = loader(ledger, payloads, { reserveMs: 10_000, packages, packageMsPerRow: 1_000 });
    await work(body, { ...recordContext(body), remainingMs: () => 51_000 });
    expect(written).toEqual(['req-q']);
    expect(queue.bodiesTo(LOAD)).toEqual([]);
    expect(ledger.states('req-q').at(-1)).toBe('loaded');
  });

  it('a part changed after the hand-off was verified quarantines the request, saying how many parts landed', async () => {
    const payloads = new InMemoryPayloadStore();
    const { manifest, body } = await partsMessage('req-5', payloads);
    const ledger = gatedLedger('req-5');
    const first = loader(ledger, payloads, { failAtPart: 3 });
    await expect(first.work(body, recordContext(body))).rejects.toThrow();
    const key = manifest.parts[4]?.key ?? '';
    const stored = payloads.objects.get(key);
    payloads.objects.set(key, {
      body: (stored?.body ?? '').replace('ana@', 'eve@'),
      metadata: stored?.metadata ?? {},
    });
    const second = loader(ledger, payloads);
    await second.work(body, recordContext(body, { receiveCount: 2 }));
    // Parts 3 and 4 landed before part 5 was found changed.
    expect(second.landed.map((l) => l.part)).toEqual([3, 4]);
    const quarantined = ledger.entries.find((e) => e.state === 'quarantined');
    expect(quarantined?.detail).toMatchObject({ violation: 'payload_checksum_mismatch', partsLoaded: 4 });
    expect(second.signals.violations).toHaveLength(1);
  });

  it('nothing lands when the hand-off does not verify whole, whatever part is wrong', async () => {
    const payloads = new InMemoryPayloadStore();
    const { manifest, body } = await partsMessage('req-6', payloads);
    const last = manifest.parts.at(-1)?.key ?? '';
    const stored = payloads.objects.get(last);
    payloads.objects.set(last, { body: (stored?.body ?? '').replace('ana@', 'eve@'), metadata: {} });
    const ledger = gatedLedger('req-6');
    const { work, landed } = loader(ledger, payloads);
    await work(body, recordContext(body));
    expect(landed).toEqual([]);
    expect(ledger.states('req-6').at(-1)).toBe('quarantined');
  });
});

describe('Module: LoadCheckpoint', () => {
  const entry = (
    state: RequestState,
    stage: string,
    s: number,
    detail?: LedgerEntry['detail'],
  ): LedgerEntry => ({
    requestId: 'r',
    state,
    stage,
    at: new Date(T0 + s * 1000).toISOString(),
    traceId: 't',
    ...(detail ? { detail } : {}),
  });
  const part = (n: number, s: number, handOff = 'h', sha = `s${n}`) =>
    entry('loading', `load-part-0000${n}`, s, {
      checkpoint: 'part',
      handOff,
      part: n,
      parts: 5,
      partSha256: sha,
      rows: 1,
    });
  const gated = [
    entry('received', 'x', 0),
    entry('discovering', 'x', 1),
    entry('discovered', 'x', 2),
    entry('gated', 'gate', 3),
  ];
  const parts = [1, 2, 3, 4, 5].map((n) => ({ sha256: `s${n}` }));

  it('counts only checkpoints of this hand-off whose part hash is the part’s now', () => {
    const history = [
      ...gated,
      entry('loading', 'load', 4),
      part(1, 5),
      part(2, 6, 'other'),
      part(3, 7, 'h', 'changed'),
      part(4, 8),
    ];
    expect([...partsLoaded(history, 'h', parts)].sort()).toEqual([0, 3]);
  });

  it('a checkpoint is progress within loading: the load resumes, the gate and extract skip, retrying is allowed', () => {
    const history = [
      ...gated,
      entry('loading', 'load', 4),
      entry('retrying', 'load', 5),
      part(1, 6),
      part(2, 7),
    ];
    expect(decideLoad(history)).toEqual({ action: 'start', last: 'retrying' });
    const killed = [...gated, entry('loading', 'load', 4), part(1, 5), part(2, 6)];
    expect(decideLoad(killed)).toEqual({ action: 'resume' });
    expect(decideEntry(killed, 'gated', 'gated')).toEqual({ action: 'skip', state: 'loading' });
    expect(decideEntry(killed, 'discovering', 'discovered')).toEqual({ action: 'skip', state: 'loading' });
    expect(decideLoad([...killed, entry('loaded', 'load', 9)])).toEqual({ action: 'skip', state: 'loaded' });
    expect(decideLoad([...killed, entry('dead_lettered', 'load', 9), part(3, 10)])).toEqual({
      action: 'start',
      last: 'dead_lettered',
    });
  });

  it('a failure after a checkpoint can still be recorded as retrying or dead-lettered', async () => {
    const ledger = new InMemoryLedger();
    ledger.entries.push(...gated, entry('loading', 'load', 4), part(1, 5));
    const requestLedger = new RequestLedger(ledger, 'load', () => new Date(T0 + 60_000));
    expect(await requestLedger.transitionIfAllowed('r', 't', 'retrying')).toBe(true);
    expect(await requestLedger.transitionIfAllowed('r', 't', 'dead_lettered')).toBe(true);
  });
});
