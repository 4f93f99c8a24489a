import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CanonicalValue } from '../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../shared/canonical/canonicalJson';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { EvidenceHasher } from '../../shared/discovery/EvidenceHasher';
import type { FindingsSource } from '../../shared/discovery/FindingsStream';
import { writeAccessPackage } from '../../shared/report/package/writeAccessPackage';

export interface PackageBenchResult {
  readonly rows: number;
  readonly seconds: number;
  readonly bytes: number;
  readonly files: number;
  /** Highest heap in use sampled while the package was written. */
  readonly peakHeapMiB: number;
}

const map = parseDataMap(
  `version: 1
identities: { user_id: {} }
postgres:
  - { table: public.users, primaryKey: [id], identities: { user_id: id } }
  - { table: public.events, primaryKey: [id], follow: { user_id: public.users.id } }
`,
  'bench-map.yaml',
);

/** One event row about the subject, about 200 bytes of canonical JSON. */
function line(i: number): string {
  return canonicalJson({
    key: { id: i },
    provenance: [{ column: 'user_id', from: 'postgres:public.users.id', round: 2, via: 'follow' }],
    row: {
      at: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000000Z`,
      id: i,
      kind: i % 7 === 0 ? '=formula-like' : 'page_view',
      path: `/shop/item/${i}`,
      user_id: 1,
    },
    system: 'postgres',
    table: 'public.events',
  } as unknown as CanonicalValue);
}

/** A subject of `rows` events, generated on each read: never held in memory. */
function syntheticSource(rows: number): FindingsSource {
  const hasher = new EvidenceHasher();
  for (let i = 1; i <= rows; i++) hasher.add(line(i));
  return {
    summary: {
      requestId: 'BENCH-PACKAGE',
      subject: { hash: 'b'.repeat(64) },
      counts: { postgres: { 'public.events': rows, 'public.users': 0 } },
      evidenceHash: hasher.finish(),
      rows,
    },
    async *lines() {
      for (let i = 1; i <= rows; i++) yield line(i);
    },
  };
}

/** Time, size and heap of writing the package of subjects of the given sizes. */
export async function packageBench(options: {
  sizes: readonly number[];
  log: (line: string) => void;
}): Promise<PackageBenchResult[]> {
  const results: PackageBenchResult[] = [];
  for (const rows of options.sizes) {
    const source = syntheticSource(rows);
    const dir = await mkdtemp(join(tmpdir(), 'dsr-bench-package-'));
    try {
      let peak = process.memoryUsage().heapUsed;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }, 50);
      const started = performance.now();
      const written = await writeAccessPackage({
        source,
        dataMap: map,
        request: {
          requestId: 'BENCH-PACKAGE',
          type: 'access',
          jurisdiction: 'GDPR',
          receivedAt: '2026-01-01T00:00:00Z',
          deadline: '2026-02-01T00:00:00Z',
        },
        dir,
      });
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      const result = {
        rows,
        seconds,
        bytes: written.files.reduce((sum, f) => sum + f.bytes, 0),
        files: written.files.length,
        peakHeapMiB: peak / 1024 / 1024,
      };
      results.push(result);
      options.log(
        `  package of ${rows} rows: ${seconds.toFixed(2)} s, ${(result.bytes / 1024 / 1024).toFixed(1)} MiB in ${result.files} files, peak heap ${result.peakHeapMiB.toFixed(0)} MiB`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return results;
}
