import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from '../local/postgres/embeddedPostgres';
import { generateSampleData, ROWS_PER_SCALE } from '../local/sample/generateSampleData';
import type { DataMap } from '../shared/datamap/dataMapSchema';
import { parseDataMap } from '../shared/datamap/loadDataMap';

export interface BenchContext {
  /** The server the context started, stopped when the suites are done; none for {@link benchContextOn}. */
  readonly server?: EmbeddedPostgresServer;
  readonly dsn: string;
  readonly dataMap: DataMap;
  readonly scale: number;
  readonly users: number;
  readonly generatedMs: number | undefined;
}

/**
 * Starts PostgreSQL on a data directory kept between runs (`.dsr-local/bench-s<scale>`), generating
 * the sample database only when that directory is new: at the default scale generation takes
 * minutes, the measurements seconds.
 */
export async function openBenchContext(scale: number, log: (line: string) => void): Promise<BenchContext> {
  const dataDir = join(process.cwd(), '.dsr-local', `bench-s${scale}`);
  const marker = join(dataDir, 'generated');
  const fresh = !existsSync(marker);
  const server = await startEmbeddedPostgres({ label: 'bench', dataDir });
  try {
    return await prepare(server, scale, dataDir, fresh, log);
  } catch (error) {
    await server.stop();
    throw error;
  }
}

async function prepare(
  server: EmbeddedPostgresServer,
  scale: number,
  dataDir: string,
  fresh: boolean,
  log: (line: string) => void,
): Promise<BenchContext> {
  const marker = join(dataDir, 'generated');
  const dsn = server.dsn.replace(/\/postgres$/, '/shop');
  let generatedMs: number | undefined;
  if (fresh) {
    log(`generating the sample database at scale ${scale} (kept in ${dataDir} for later runs)…`);
    const admin = new pg.Client({ connectionString: server.dsn });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS shop');
    await admin.query('CREATE DATABASE shop');
    await admin.end();
    const started = Date.now();
    await generateSampleData(dsn, { scale, seed: 42 });
    generatedMs = Date.now() - started;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(marker, new Date().toISOString());
  }
  const dataMap = parseDataMap(
    await readFile('local/sample/datamap.yaml', 'utf8'),
    'local/sample/datamap.yaml',
  );
  return { server, dsn, dataMap, scale, users: Math.round(ROWS_PER_SCALE.users * scale), generatedMs };
}

/**
 * A context on an existing empty database, seeded here at `scale` (the smoke test's, on the test
 * run's PostgreSQL): the suites run as on a kept server, at a size that takes seconds.
 */
export async function benchContextOn(dsn: string, scale: number): Promise<BenchContext> {
  await generateSampleData(dsn, { scale, seed: 42 });
  const dataMap = parseDataMap(
    await readFile('local/sample/datamap.yaml', 'utf8'),
    'local/sample/datamap.yaml',
  );
  return { dsn, dataMap, scale, users: Math.round(ROWS_PER_SCALE.users * scale), generatedMs: undefined };
}
