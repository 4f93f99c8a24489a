import { type CanonicalValue, JsonNumber } from '../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../shared/canonical/canonicalJson';
import { discoverSubject } from '../../shared/discovery/discoverSubject';
import type { Finding } from '../../shared/discovery/FindingsDocument';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import type { BenchContext } from '../BenchContext';
import { medianOf, ms } from '../stats';

export interface SerializationResult {
  readonly rows: number;
  readonly megabytes: number;
  readonly canonicalMBps: { median: number; min: number; max: number };
  readonly jsonStringifyMBps: { median: number; min: number; max: number };
  /** canonical / JSON.stringify throughput (target ≥ 0.5). */
  readonly ratio: number;
}

/** The same rows as plain JS values, as a lossy serialiser would see them (numbers as doubles). */
function plain(value: CanonicalValue): unknown {
  if (value instanceof JsonNumber) return Number(value.text);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/**
 * Canonical serialisation throughput against `JSON.stringify` on the same findings (real rows from
 * the sample database), repeated, medians with spread. The canonical form sorts keys at every depth
 * and writes exact digits; the ratio shows what exactness costs.
 */
export async function serializationBench(
  ctx: BenchContext,
  options: { repeats: number },
): Promise<SerializationResult> {
  const db = new PgDatabase({
    credentials: new DsnCredentialSource(ctx.dsn),
    applicationName: 'dsr-bench-ser',
  });
  const findings: Finding[] = [];
  try {
    const postgres = await PostgresTableSearcher.create(db, ctx.dataMap, 'local/sample/datamap.yaml');
    for (let id = 1; findings.length < 20_000 && id <= ctx.users; id++) {
      const { document } = await discoverSubject(
        {
          dataMap: ctx.dataMap,
          searchers: { postgres },
          subjectHashKey: 'bench-subject-hash-key-0123456789abcdef',
        },
        { requestId: 'ser', identifiers: { user_id: [String(id)] } },
      );
      findings.push(...document.findings);
    }
  } finally {
    await db.end();
  }
  const canonical = findings as unknown as CanonicalValue;
  const lossy = plain(canonical);
  const bytes = Buffer.byteLength(canonicalJson(canonical));
  const rate = (fn: () => string) => {
    const started = process.hrtime.bigint();
    fn();
    return bytes / 1e6 / (ms(started) / 1000);
  };
  const canonicalRates: number[] = [];
  const stringifyRates: number[] = [];
  for (let i = 0; i < options.repeats; i++) {
    // Interleaved, so drift in machine load affects both alike.
    canonicalRates.push(rate(() => canonicalJson(canonical)));
    stringifyRates.push(rate(() => JSON.stringify(lossy)));
  }
  const canonicalMBps = medianOf(canonicalRates);
  const jsonStringifyMBps = medianOf(stringifyRates);
  return {
    rows: findings.length,
    megabytes: bytes / 1e6,
    canonicalMBps,
    jsonStringifyMBps,
    ratio: canonicalMBps.median / jsonStringifyMBps.median,
  };
}
