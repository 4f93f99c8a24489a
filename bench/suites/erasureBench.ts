import { createHash, randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { startEmbeddedPostgres } from '../../local/postgres/embeddedPostgres';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { buildErasureReceipt } from '../../shared/erasure/buildErasureReceipt';
import { eraseSubject } from '../../shared/erasure/eraseSubject';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import { type Summary, summarize } from '../stats';

const HASH_KEY = 'bench-subject-hash-key-0123456789abcdef';
const MASK_KEY = 'bench-erasure-mask-key-0123456789abcdef';

// A customer, orders with a RESTRICT foreign key, masked profile rows and a keyless event log
// (also the schema and map of `eraseInBatches`).
export const SCHEMA = `
  CREATE TABLE public.customer (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL);
  CREATE TABLE public.orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES public.customer ON DELETE RESTRICT, total numeric(10,2));
  CREATE INDEX ON public.orders (customer_id);
  CREATE TABLE public.note (id bigint PRIMARY KEY, customer_id bigint, author_email text, body text);
  CREATE INDEX ON public.note (customer_id);
  CREATE TABLE public.event_log (customer_id bigint, kind text, at timestamptz);
  CREATE INDEX ON public.event_log (customer_id);
`;
export const MAP = `version: 1
identities:
  email: { normalize: none }
  customer_id: {}
postgres:
  - table: public.customer
    primaryKey: [id]
    identities: { email: email, customer_id: id }
    learn: [customer_id]
    erasure: delete
  - table: public.orders
    primaryKey: [id]
    follow: { customer_id: public.customer.id }
    erasure: delete
  - table: public.note
    primaryKey: [id]
    follow: { customer_id: public.customer.id }
    erasure: { action: mask, columns: { author_email: hash, body: { redact: "[erased]" } } }
  - table: public.event_log
    identities: { customer_id: customer_id }
    erasure: delete
`;

export interface ErasureBenchSize {
  readonly rows: number;
  readonly subjects: number;
  /** `eraseSubject` per subject. */
  readonly ms: Summary;
  /**
   * CPU time of this process (user + system) per erasure: steadier than wall time on a shared
   * machine; PostgreSQL's own CPU is not in it.
   */
  readonly cpuMs: Summary;
  /** A plain `DELETE` of the same rows of a subject of the same shape, in one transaction. */
  readonly deleteMs: Summary;
  /**
   * The statements the erasure's checks need, alone, for a third subject of the same shape: its rows
   * read (discovery), the change rehearsed and rolled back, the rows locked and read again, the
   * change committed, the rows left read again (the proof). No canonical form, hash or comparison:
   * the least any erasure that rehearses, locks and proves costs, through the same driver.
   */
  readonly floorMs: Summary;
  /** Median erasure over median plain DELETE. */
  readonly ratio: number;
  /** Median floor over median plain DELETE: what the checks cost before any processing. */
  readonly floorRatio: number;
  /** Median erasure over median floor: what the processing adds to the checks' statements. */
  readonly overFloor: number;
  readonly rowsErased: number;
  /** The machine's 1-minute load average when the size was done (others may share the CPU). */
  readonly load: number;
  /**
   * SHA-256 over every erased subject's plan hash and receipt hash (its completion time aside), in
   * order: the same data gives the same digest, so two builds can be compared on what they erase.
   */
  readonly digest: string;
}

export interface ErasureBenchResult {
  readonly sizes: readonly ErasureBenchSize[];
}

/** What a hand-written erasure of one subject is: its rows deleted by customer, one transaction. */
const PLAIN_DELETE = [
  'DELETE FROM public.note WHERE customer_id = $1',
  'DELETE FROM public.orders WHERE customer_id = $1',
  'DELETE FROM public.event_log WHERE customer_id = $1',
  'DELETE FROM public.customer WHERE id = $1',
];

/** A subject's rows by table, as discovery and the proof read them. */
const READ_SUBJECT = [
  'SELECT * FROM public.customer WHERE id = $1',
  'SELECT * FROM public.orders WHERE customer_id = $1',
  'SELECT * FROM public.note WHERE customer_id = $1',
  'SELECT * FROM public.event_log WHERE customer_id = $1',
];
/** The same rows locked, as the change locks them before it compares and writes. */
const LOCK_SUBJECT = READ_SUBJECT.map((sql) => `${sql} FOR UPDATE`);
/** The map's change: notes masked (a keyed hash stands in as md5), the rest deleted, children first. */
const CHANGE = [
  `UPDATE public.note SET author_email = md5(author_email), body = '[erased]' WHERE customer_id = $1`,
  'DELETE FROM public.orders WHERE customer_id = $1',
  'DELETE FROM public.event_log WHERE customer_id = $1',
  'DELETE FROM public.customer WHERE id = $1',
];

/**
 * The statements an erasure with a rehearsal, locks and a proof must run for one subject, with
 * nothing else: read, rehearse (change and roll back; its writes lock what they touch), lock and
 * read again (what the change compares with the plan), change, commit, read again. Rows come to
 * the client as arrays through `pg` (the cheapest it reads them).
 */
async function checksFloor(db: PgDatabase, id: number): Promise<void> {
  await db.withClient(async (c) => {
    const each = async (statements: readonly string[]) => {
      const rows: number[] = [];
      for (const text of statements)
        rows.push((await c.query({ text, values: [id], rowMode: 'array' })).rowCount ?? 0);
      return rows;
    };
    await each(READ_SUBJECT);
    await c.query('BEGIN');
    await each(CHANGE);
    await c.query('ROLLBACK');
    await c.query('BEGIN');
    await each(LOCK_SUBJECT);
    await each(CHANGE);
    await c.query('COMMIT');
    // Only the masked notes are left.
    const [customer, orders, , events] = await each(READ_SUBJECT);
    if (customer !== 0 || orders !== 0 || events !== 0)
      throw new Error(`checksFloor: subject ${id} still has rows`);
  });
}

/**
 * Erasure time per subject (discover, plan with catalog checks, check the plan against the database,
 * execute in one transaction, prove by re-discovery) on a fresh embedded PostgreSQL, for subjects
 * of about `sizes` rows each: 1 customer, 70 % orders, 10 % masked notes, 20 % keyless events;
 * next to it, in the same run and interleaved subject by subject, a plain `DELETE` of the same rows
 * of a subject of the same shape (the floor a hand-written erasure costs), and the statements the
 * checks need alone (`checksFloor`) for a third. Start-up (process, connections, the searchers'
 * catalog checks) is excluded from all three.
 */
export async function erasureBench(options: {
  readonly sizes: readonly { rows: number; subjects: number }[];
  readonly log: (line: string) => void;
  /** An empty database to use instead of a fresh embedded server (the smoke test's). */
  readonly postgresDsn?: string;
}): Promise<ErasureBenchResult> {
  const server = options.postgresDsn ? undefined : await startEmbeddedPostgres({ label: 'bench-erasure' });
  const db = new PgDatabase({
    credentials: new DsnCredentialSource(options.postgresDsn ?? server?.dsn ?? ''),
    applicationName: 'dsr-bench',
    poolMax: 4,
  });
  try {
    await db.withClient((c) => c.query(SCHEMA));
    const dataMap = parseDataMap(MAP, 'erasure-bench.yaml');
    const postgres = await PostgresTableSearcher.create(db, dataMap, 'erasure-bench.yaml');
    let nextCustomer = 1;
    let nextRow = 1;
    const results: ErasureBenchSize[] = [];
    for (const size of options.sizes) {
      const ids: number[] = [];
      const plain: number[] = [];
      const floor: number[] = [];
      for (let s = 0; s < 3 * (size.subjects + 1); s++) {
        const id = nextCustomer++;
        [ids, plain, floor][s % 3]?.push(id);
        const orders = Math.floor((size.rows - 1) * 0.7);
        const notes = Math.floor((size.rows - 1) * 0.1);
        const events = size.rows - 1 - orders - notes;
        await db.withClient(async (c) => {
          await c.query('INSERT INTO public.customer VALUES ($1, $2, $3)', [
            id,
            `subject-${id}@bench.test`,
            `Subject ${id}`,
          ]);
          await c.query(
            'INSERT INTO public.orders SELECT $1 + g, $2, g % 1000 FROM generate_series(1, $3::int) g',
            [nextRow, id, orders],
          );
          await c.query(
            `INSERT INTO public.note SELECT $1 + g, $2, 'staff@bench.test', 'note ' || g FROM generate_series(1, $3::int) g`,
            [nextRow, id, notes],
          );
          await c.query(
            `INSERT INTO public.event_log SELECT $1, 'login', timestamptz '2026-01-01' + g * interval '1 minute' FROM generate_series(1, $2::int) g`,
            [id, events],
          );
        });
        nextRow += size.rows;
      }
      await db.query('ANALYZE');
      const samples: number[] = [];
      const cpu: number[] = [];
      const deletes: number[] = [];
      const floors: number[] = [];
      let erased = 0;
      const digest = createHash('sha256');
      // The first subject of each size warms the caches and is not counted.
      for (const [i, id] of ids.entries()) {
        const cpuStarted = process.cpuUsage();
        const started = process.hrtime.bigint();
        const result = await eraseSubject(
          {
            dataMap,
            db,
            writeDb: db,
            searchers: { postgres },
            subjectHashKey: HASH_KEY,
            maskKey: MASK_KEY,
            randomBytes,
          },
          { requestId: `bench-${id}`, identifiers: { email: [`subject-${id}@bench.test`] }, dryRun: false },
        );
        const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
        const used = process.cpuUsage(cpuStarted);
        if (result.outcome !== 'executed' || result.verification.outcome !== 'erased')
          throw new Error(`subject ${i} of ${size.rows} rows ended ${result.outcome}`);
        const receipt = buildErasureReceipt({
          plan: result.plan,
          steps: result.steps,
          verification: result.verification,
          retention: {},
          completedAt: '2026-01-01T00:00:00.000Z',
        });
        digest.update(`${result.plan.planHash} ${receipt.receiptHash}\n`);
        const deleteStarted = process.hrtime.bigint();
        await db.withClient(async (c) => {
          await c.query('BEGIN');
          for (const sql of PLAIN_DELETE) await c.query(sql, [plain[i]]);
          await c.query('COMMIT');
        });
        const deleteElapsed = Number(process.hrtime.bigint() - deleteStarted) / 1e6;
        const floorStarted = process.hrtime.bigint();
        await checksFloor(db, floor[i] as number);
        const floorElapsed = Number(process.hrtime.bigint() - floorStarted) / 1e6;
        if (i === 0) continue;
        floors.push(floorElapsed);
        samples.push(elapsed);
        cpu.push((used.user + used.system) / 1000);
        deletes.push(deleteElapsed);
        erased += result.steps.reduce((n, s) => n + s.changed, 0);
      }
      const ms = summarize(samples);
      const deleteMs = summarize(deletes);
      const cpuMs = summarize(cpu);
      const floorMs = summarize(floors);
      const ratio = ms.median / deleteMs.median;
      const floorRatio = floorMs.median / deleteMs.median;
      const overFloor = ms.median / floorMs.median;
      const load = loadavg()[0] ?? 0;
      const digestHex = digest.digest('hex');
      options.log(
        `  ${size.rows} rows: median ${ms.median.toFixed(1)} ms, p95 ${ms.p95.toFixed(1)} ms (CPU ${cpuMs.median.toFixed(1)} ms); plain DELETE median ${deleteMs.median.toFixed(1)} ms, p95 ${deleteMs.p95.toFixed(1)} ms; ${ratio.toFixed(1)}×; the checks' statements alone median ${floorMs.median.toFixed(1)} ms (${floorRatio.toFixed(1)}× the DELETE; the erasure ${overFloor.toFixed(1)}× them) (${size.subjects} subjects; load average ${load.toFixed(1)}); plans and receipts sha256 ${digestHex.slice(0, 12)}`,
      );
      results.push({
        rows: size.rows,
        subjects: size.subjects,
        ms,
        cpuMs,
        deleteMs,
        floorMs,
        ratio,
        floorRatio,
        overFloor,
        rowsErased: erased / size.subjects,
        load,
        digest: digestHex,
      });
    }
    return { sizes: results };
  } finally {
    await db.end();
    await server?.stop();
  }
}
