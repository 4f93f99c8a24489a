import { discoverSubject } from '../../shared/discovery/discoverSubject';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import type { BenchContext } from '../BenchContext';
import { ms, seededRandom } from '../stats';

export interface PoolPressureResult {
  readonly discoveries: number;
  readonly poolMax: number;
  readonly completionMs: number;
  readonly errors: number;
  readonly checkedOutAfter: number;
}

/** N discoveries started at once on a small pool: all must complete, none may leak a client. */
export async function poolPressureBench(
  ctx: BenchContext,
  options: { discoveries: number; poolMax: number },
): Promise<PoolPressureResult> {
  const db = new PgDatabase({
    credentials: new DsnCredentialSource(ctx.dsn),
    poolMax: options.poolMax,
    connectTimeoutMs: 30_000,
    applicationName: 'dsr-bench-pressure',
  });
  try {
    const postgres = await PostgresTableSearcher.create(db, ctx.dataMap, 'local/sample/datamap.yaml');
    const random = seededRandom(7);
    const ids = Array.from({ length: options.discoveries }, () =>
      String(1 + Math.floor(random() * ctx.users)),
    );
    const started = process.hrtime.bigint();
    const results = await Promise.allSettled(
      ids.map((id) =>
        discoverSubject(
          {
            dataMap: ctx.dataMap,
            searchers: { postgres },
            subjectHashKey: 'bench-subject-hash-key-0123456789abcdef',
          },
          { requestId: `pressure-${id}`, identifiers: { user_id: [id] } },
        ),
      ),
    );
    return {
      discoveries: options.discoveries,
      poolMax: options.poolMax,
      completionMs: ms(started),
      errors: results.filter((r) => r.status === 'rejected').length,
      checkedOutAfter: await db.checkedOut(),
    };
  } finally {
    await db.end();
  }
}
