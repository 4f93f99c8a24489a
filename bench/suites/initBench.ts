import { startEmbeddedPostgres } from '../../local/postgres/embeddedPostgres';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { initDataMap } from '../../shared/datamapInit/initDataMap';
import { renderInitialDataMap } from '../../shared/datamapInit/renderInitialDataMap';
import { previewDataMap } from '../../shared/datamapPreview/previewDataMap';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../../shared/postgres/PgDatabase';

const HASH_KEY = 'bench-subject-hash-key-0123456789abcdef';

export interface InitBenchResult {
  readonly tables: number;
  readonly rows: number;
  readonly generateMs: number;
  readonly initMs: number;
  readonly previewMs: number;
  readonly previewSubjects: number;
  readonly proposedTables: number;
  readonly heldEdges: number;
}

/**
 * `dsr datamap init` and `dsr datamap preview` on a generated schema of `tables` tables holding
 * `rows` rows in all: customers (one in ten rows of the person tables), 20 staff, their addresses
 * (with a phone), and `tables - 3` transaction tables each naming a customer and the staff member
 * who handled it, with foreign keys and indexes on them. Generated with `generate_series` on a
 * fresh embedded PostgreSQL; measured once (generation dominates).
 */
export async function initBench(options: {
  readonly tables: number;
  readonly rows: number;
  readonly previewSample: number;
  readonly log: (line: string) => void;
  /** An empty database to generate the schema in (the bench smoke test's); @default a fresh embedded server */
  readonly postgresDsn?: string;
}): Promise<InitBenchResult> {
  const server = options.postgresDsn ? undefined : await startEmbeddedPostgres({ label: 'bench-init' });
  const dsn = options.postgresDsn ?? (server as { dsn: string }).dsn;
  const db = new PgDatabase({ credentials: new DsnCredentialSource(dsn), poolMax: 4 });
  try {
    const transactions = options.tables - 3;
    const customers = Math.max(1000, Math.floor(options.rows / 50));
    const perTable = Math.max(1, Math.floor((options.rows - 2 * customers - 40) / transactions));
    const t0 = performance.now();
    await db.query(`
      CREATE SCHEMA gen;
      CREATE TABLE gen.address (address_id int PRIMARY KEY, line text NOT NULL, phone text);
      CREATE TABLE gen.customer (customer_id int PRIMARY KEY, email text NOT NULL, full_name text,
        address_id int NOT NULL REFERENCES gen.address);
      CREATE TABLE gen.staff (staff_id int PRIMARY KEY, email text NOT NULL, address_id int REFERENCES gen.address);`);
    await db.query(
      `INSERT INTO gen.address SELECT i, i || ' Main Street', '555-' || lpad(i::text, 7, '0') FROM generate_series(1, $1::int + 20) i`,
      [customers],
    );
    await db.query(
      `INSERT INTO gen.customer SELECT i, 'c' || i || '@bench-example.org', 'Customer ' || i, i FROM generate_series(1, $1::int) i`,
      [customers],
    );
    await db.query(
      `INSERT INTO gen.staff SELECT i, 's' || i || '@staff-example.com', $1::int + i FROM generate_series(1, 20) i`,
      [customers],
    );
    for (let t = 1; t <= transactions; t++) {
      const name = `gen.t${String(t).padStart(3, '0')}`;
      await db.query(`
        CREATE TABLE ${name} (id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES gen.customer,
          staff_id int NOT NULL REFERENCES gen.staff, amount numeric(8, 2), at date);
        INSERT INTO ${name} SELECT k, (k * 7919) % ${customers} + 1, k % 20 + 1, (k % 1000) / 10.0, date '2026-01-01' + k % 365
          FROM generate_series(1, ${perTable}) k;
        CREATE INDEX ON ${name} (customer_id);
        CREATE INDEX ON ${name} (staff_id);`);
      if (t % 10 === 0) options.log(`  generated ${t} of ${transactions} transaction tables`);
    }
    await db.query('ANALYZE');
    const generateMs = performance.now() - t0;
    options.log(
      `  generated ${options.tables} tables, ${transactions * perTable + 2 * customers + 40} rows in ${Math.round(generateMs / 1000)} s`,
    );

    const t1 = performance.now();
    const proposal = await initDataMap(db, { schemas: ['gen'] });
    const yaml = renderInitialDataMap(proposal, 'the PostgreSQL catalog');
    const initMs = performance.now() - t1;
    const map = parseDataMap(yaml, 'bench.yaml');
    const t2 = performance.now();
    const preview = await previewDataMap(db, map, {
      sample: options.previewSample,
      subjectHashKey: HASH_KEY,
    });
    const previewMs = performance.now() - t2;
    return {
      tables: options.tables,
      rows: transactions * perTable + 2 * customers + 40,
      generateMs,
      initMs,
      previewMs,
      previewSubjects: preview.subjects,
      proposedTables: proposal.postgres.length,
      heldEdges: (yaml.match(/the workforce side/g) ?? []).length,
    };
  } finally {
    await db.end();
    await server?.stop();
  }
}
