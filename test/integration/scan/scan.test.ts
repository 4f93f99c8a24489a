import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliError, EXIT } from '../../../cli/CliError';
import { registerDatamapScan } from '../../../cli/commands/datamapScan';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { DsnCredentialSource } from '../../../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { formatScanReport } from '../../../shared/scan/formatScanReport';
import { PostgresScanSource } from '../../../shared/scan/PostgresScanSource';
import type { PiiFinding, ScanReport } from '../../../shared/scan/ScanReport';
import { scanForPii } from '../../../shared/scan/scanForPii';
import { restoreEnv } from '../../support/environment';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { FIXTURE_DATAMAP, type PiiFixture, seedPiiFixture } from './piiFixture';

let test: TestDatabase;
let db: PgDatabase;
let fixture: PiiFixture;
let report: ScanReport;

const where = (f: PiiFinding) =>
  `${f.table}.${f.column}${f.jsonPath === undefined ? '' : `->${f.jsonPath}`}=${f.detector}`;

beforeAll(async () => {
  test = await createTestDatabase('scan');
  fixture = await seedPiiFixture(test);
  db = new PgDatabase({ credentials: new DsnCredentialSource(test.dsn) });
  const map = parseDataMap(FIXTURE_DATAMAP, 'fixture.yaml');
  report = await scanForPii([new PostgresScanSource(db, { schemas: ['app'] })], map, { sampleRows: 100 });
});

afterAll(async () => {
  await db?.end();
  await test?.drop();
});

describe('Function: scanForPii on PostgreSQL', () => {
  it('finds every planted PII location and sorts it by what the data map does with it', () => {
    expect(report.reached.map(where)).toEqual([
      'app.customers.birth_date=date_of_birth',
      'app.customers.card_number=credit_card',
      'app.customers.email=email',
      'app.customers.full_name=person_name',
      'app.customers.iban=iban',
      'app.customers.last_ip=ip_address',
      'app.customers.phone=phone',
      'app.customers.profile->addresses[].street=postal_address',
      'app.customers.profile->contact.email=email',
      'app.customers.profile->contact.phone=phone',
      'app.orders.meta->payment.card=credit_card',
      'app.orders.ship_to=postal_address',
    ]);
    expect(report.excludedByMap.map(where)).toEqual(['app.customers.ssn=us_ssn']);
    expect(report.unreached.map(where)).toEqual([
      'app.leads.contact_email=email',
      'app.leads.notes->submitted.phone=phone',
    ]);
  });

  it('lets no detector fire on look-alikes: failed Luhn, UUIDs, hashes, timestamps, versions, bad IBANs', () => {
    const all = [...report.reached, ...report.unreached, ...report.excludedByMap];
    const lookAlikes = [
      'order_ref',
      'account_number',
      'token',
      'checksum',
      'seen_at',
      'app_version',
      'ref_code',
      'password_hash',
      'created_at',
      'placed_at',
    ];
    expect(all.filter((f) => lookAlikes.includes(f.column))).toEqual([]);
    const jsonPaths = all.flatMap((f) => (f.jsonPath ? [f.jsonPath] : []));
    for (const path of ['payment.reference', 'build', 'trace_id', 'digest', 'submitted.at', 'theme']) {
      expect(jsonPaths).not.toContain(path);
    }
  });

  it('counts coverage by column, leaving excluded columns out of both figures', () => {
    expect(report.coverage).toEqual({ reached: 10, found: 12, excluded: 1, percent: 83.3 });
    expect(report.tablesScanned).toBe(3);
  });

  it('reports counts and a confidence for each finding, from every non-null sample', () => {
    const email = report.unreached.find((f) => f.column === 'contact_email');
    expect(email).toMatchObject({ samples: fixture.rows, matches: fixture.rows, basis: 'values' });
    expect(email?.confidence).toBeGreaterThan(0.9);
    const name = report.reached.find((f) => f.column === 'full_name');
    expect(name).toMatchObject({ basis: 'name', confidence: 0.5 });
  });

  it('puts none of the sampled values in either output format', () => {
    const outputs = [formatScanReport(report, 'json'), formatScanReport(report, 'table')];
    for (const output of outputs) {
      const lower = output.toLowerCase();
      const leaked = fixture.plantedValues.filter((v) => lower.includes(v.toLowerCase()));
      expect(leaked).toEqual([]);
    }
    expect(fixture.plantedValues.length).toBeGreaterThan(fixture.rows * 20);
  });
});

describe('Class: PostgresScanSource', () => {
  it('reads at most the requested rows of a large table, through TABLESAMPLE', async () => {
    await test.exec(
      `CREATE TABLE app.big AS SELECT g AS id, 'x' || g AS label FROM generate_series(1, 200000) g`,
    );
    await test.exec('ANALYZE app.big');
    const source = new PostgresScanSource(db, { schemas: ['app'] });
    const big = (await source.listTables()).find((t) => t.table === 'app.big');
    expect(big?.estimatedRows).toBeGreaterThan(100_000);
    if (!big) return;
    const rows = await source.sample(big, big.columns, 50);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(50);
    // Whole random pages, not the table's first rows. LIMIT keeps the rows of the lowest sampled
    // page, which may be one of the first few (about 0.1 % of the table is sampled, roughly one
    // page in a thousand), so only the table's very first rows (ids 1 to n) would show no sampling.
    expect(Math.max(...rows.map((r) => Number(r[0])))).toBeGreaterThan(rows.length);
    await test.exec('DROP TABLE app.big');
  });

  it('samples inside a read-only transaction, committed before the client goes back', async () => {
    const source = new PostgresScanSource(db, { schemas: ['app'] });
    const table = (await source.listTables()).find((t) => t.table === 'app.leads');
    if (!table) throw new Error('app.leads not listed');
    const statements: string[] = [];
    const withClient = db.withClient.bind(db);
    const spy = vi.spyOn(db, 'withClient').mockImplementation((work) =>
      withClient((client) => {
        const query = client.query.bind(client) as (config: unknown, values?: unknown) => Promise<unknown>;
        const recording = new Proxy(client, {
          get: (target, key, receiver) =>
            key === 'query'
              ? (config: unknown, values?: unknown) => {
                  statements.push(typeof config === 'string' ? config : (config as { text: string }).text);
                  return query(config, values);
                }
              : Reflect.get(target, key, receiver),
        });
        return work(recording);
      }),
    );
    await source.sample(table, table.columns, 5);
    spy.mockRestore();
    expect(statements[0]).toBe('BEGIN READ ONLY');
    expect(statements.at(-1)).toBe('COMMIT');
    expect(statements).toHaveLength(3);
  });
});

/** Runs `dsr datamap scan` in-process, capturing its output and its error. */
async function runScan(args: string[]): Promise<{ stdout: string; stderr: string; error?: CliError }> {
  const dir = await mkdtemp(join(tmpdir(), 'dsr-scan-'));
  const file = join(dir, 'map.yaml');
  await writeFile(file, FIXTURE_DATAMAP);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const saved = { dsn: process.env.PG_DSN, account: process.env.SNOWFLAKE_ACCOUNT };
  process.env.PG_DSN = test.dsn;
  delete process.env.SNOWFLAKE_ACCOUNT;
  try {
    const program = new Command('dsr').exitOverride();
    registerDatamapScan(program.command('datamap').exitOverride());
    await program.parseAsync(['datamap', 'scan', '--datamap', file, '--schema', 'app', ...args], {
      from: 'user',
    });
    return { stdout, stderr };
  } catch (error) {
    if (error instanceof CliError) return { stdout, stderr, error };
    throw error;
  } finally {
    out.mockRestore();
    err.mockRestore();
    await rm(dir, { recursive: true, force: true });
    restoreEnv('PG_DSN', saved.dsn);
    if (saved.account !== undefined) process.env.SNOWFLAKE_ACCOUNT = saved.account;
  }
}

describe('Command: dsr datamap scan', () => {
  it('prints the JSON report, with coverage, and says only PostgreSQL was scanned', async () => {
    const run = await runScan(['--format', 'json', '--sample-rows', '50']);
    expect(run.error).toBeUndefined();
    const parsed = JSON.parse(run.stdout) as ScanReport;
    expect(parsed.coverage).toEqual({ reached: 10, found: 12, excluded: 1, percent: 83.3 });
    expect(parsed.sampleRows).toBe(50);
    expect(parsed.unreached.map((f) => `${f.table}.${f.column}`)).toEqual([
      'app.leads.contact_email',
      'app.leads.notes',
    ]);
    expect(run.stderr).toContain('SNOWFLAKE_ACCOUNT is not set: only PostgreSQL was scanned');
  });

  it('prints a table naming the unreached and the excluded locations, and no sampled value', async () => {
    const run = await runScan([]);
    expect(run.stdout).toMatch(
      /PII not reached by the data map \(2\):\n.*\n {2}postgres {2}app\.leads {2}contact_email/,
    );
    expect(run.stdout).toContain('notes->submitted.phone');
    expect(run.stdout).toMatch(/excludes.*\(1\):\n.*\n {2}postgres {2}app\.customers {2}ssn +us_ssn/);
    expect(run.stdout).toContain(
      'Coverage: 10 of 12 PII-bearing columns reached (83.3%); 1 excluded by the map',
    );
    const lower = `${run.stdout}${run.stderr}`.toLowerCase();
    expect(fixture.plantedValues.filter((v) => lower.includes(v.toLowerCase()))).toEqual([]);
  });

  it('exits 1 when coverage is below --min-coverage, and 0 at or above it', async () => {
    const below = await runScan(['--min-coverage', '83.4']);
    expect(below.error?.exitCode).toBe(EXIT.failed);
    expect(below.error?.message).toMatch(
      /coverage 83\.3% is below --min-coverage 83\.4: 2 PII-bearing columns/,
    );
    expect(below.stdout).toContain('Coverage:');
    const above = await runScan(['--min-coverage', '83.3']);
    expect(above.error).toBeUndefined();
  });

  it('refuses bad options before touching the database', async () => {
    await expect(runScan(['--min-coverage', '120'])).rejects.toThrow(/percentage from 0 to 100/);
    await expect(runScan(['--sample-rows', '0'])).rejects.toThrow(/whole number/);
    await expect(runScan(['--format', 'xml'])).rejects.toThrow(/xml/);
  });
});
