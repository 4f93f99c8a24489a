import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { generateSampleData } from '../../local/sample/generateSampleData';

const SAMPLE_DIR = fileURLToPath(new URL('../../local/sample/', import.meta.url));
const DEMO_SQL = fileURLToPath(new URL('../../local/demo/demo.sql', import.meta.url));
/** Any fixed number: the advisory lock that makes one worker build a template while others wait. */
const BUILD_LOCK = 734_021_117;

/**
 * The name of a template database holding the sample shop at `scale` (seed 42) plus the demo's
 * additions, built on the server the first time a file asks for it and copied by every later one
 * (`CREATE DATABASE … TEMPLATE`, a file copy on the server: a few hundred milliseconds instead of
 * generating the rows again).
 *
 * The name carries a hash of the generator's files and of the scale, so a server kept between runs
 * (`PG_TEST_DSN`) never hands out a template built by older code; such a server keeps one template per
 * version of the sample, which `DROP DATABASE … ` removes when wanted. Concurrent workers take an
 * advisory lock: one builds (under a temporary name, renamed when complete), the others wait and copy.
 */
export async function sampleShopTemplate(adminDsn: string, scale: number): Promise<string> {
  const name = `dsr_sample_${await sampleVersion(scale)}`;
  const admin = new pg.Client({ connectionString: adminDsn });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock($1)', [BUILD_LOCK]);
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return name;
    const building = `${name}_building`;
    await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${building}`);
    const url = new URL(adminDsn);
    url.pathname = `/${building}`;
    await generateSampleData(url.toString(), { scale, seed: 42 });
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query(await readFile(DEMO_SQL, 'utf8'));
    } finally {
      await client.end();
    }
    // Renaming waits (up to 5 s, PostgreSQL's own rule) for the build's sessions to be gone.
    await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
    await admin.query(`ALTER DATABASE ${name} IS_TEMPLATE true`);
    return name;
  } finally {
    await admin.query('SELECT pg_advisory_unlock($1)', [BUILD_LOCK]).catch(() => undefined);
    await admin.end();
  }
}

/** A short hash of what the template is built from: the sample generator, its SQL, the demo's SQL. */
async function sampleVersion(scale: number): Promise<string> {
  const hash = createHash('sha256').update(`scale=${scale};seed=42\n`);
  const files = (await readdir(SAMPLE_DIR)).filter((f) => /\.(sql|ts)$/.test(f)).sort();
  for (const file of [...files.map((f) => join(SAMPLE_DIR, f)), DEMO_SQL])
    hash.update(file.slice(file.lastIndexOf('/'))).update(await readFile(file));
  return hash.digest('hex').slice(0, 16);
}
