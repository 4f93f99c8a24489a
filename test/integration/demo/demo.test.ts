import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runDemo } from '../../../local/demo/runDemo';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

let outDir: string | undefined;
let database: TestDatabase | undefined;

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
  if (database) {
    await database.drop();
    // The demo's erasure role lives on the cluster, not in the database.
    const admin = new pg.Client({ connectionString: inject('pgAdminDsn') });
    await admin.connect();
    await admin.query('DROP ROLE IF EXISTS dsr_erasure').finally(() => admin.end());
  }
});

describe('The demo: the whole pipeline on one machine', () => {
  it('drives every request to its terminal state through the real handlers, and leaks no seeded PII', async () => {
    outDir = await mkdtemp(join(tmpdir(), 'dsr-demo-'));
    const lines: string[] = [];
    // On the run's PostgreSQL server, in a database of its own (not a second embedded server).
    database = await createTestDatabase('demo');
    const code = await runDemo({ outDir, log: (line) => lines.push(line), postgresDsn: database.dsn });
    const text = lines.join('\n');
    expect(text).toMatch(/^DEMO-ANA\s+high\s+loaded\s+loaded\s+11 \/ 2\s/m);
    expect(text).toMatch(/^DEMO-DANA\s+high\s+quarantined\s+quarantined\s*$/m);
    expect(text).toMatch(/^DEMO-MALFORMED\s+standard\s+dead_lettered\s+dead_lettered\s*$/m);
    expect(text).toMatch(/^DEMO-ELLA\s+high\s+loaded\s+loaded\s/m);
    expect(text).toMatch(/^DEMO-FINN\s+high\s+cancelled\s+cancelled\s*$/m);
    expect(text).toMatch(/DEMO-ELLA: extended to \S+ \(reason complexity\)/);
    expect(text).toMatch(/DEMO-FINN: cancelled \(reason identity_not_verified\)/);
    expect(text).toMatch(
      /Ledger verification \(dsr verify\): PASS: 9 requests, \d+ entries, 1 anchor\(s\), 0 break\(s\)/,
    );
    // Erasure: the dry run's plan, one erased at once, one erased after approval, nothing left behind.
    expect(text).toMatch(/1\. postgres public\.support_tickets: delete 3 row\(s\)/);
    expect(text).toMatch(/DEMO-GRETA-ERASE: awaiting_approval/);
    expect(text).toMatch(/dsr approve DEMO-GRETA-ERASE: approved by DSR \(role PUBLIC\)/);
    expect(text).toMatch(/^DEMO-CHLOE-ERASE\s+erased\s+[0-9a-f]{64}\s/m);
    expect(text).toMatch(/^DEMO-GRETA-ERASE\s+erased\s+[0-9a-f]{64}\s/m);
    expect(text).toMatch(/erased subjects' 7 values searched in every evidence table.*: 0 found\./);
    expect(text).toMatch(/seeded personal values: 0 found/);
    expect(code).toBe(0);
    // Ana's Snowflake sessions were reached only through the user id learned in PostgreSQL.
    const ana = JSON.parse(await readFile(join(outDir, 'DEMO-ANA.json'), 'utf8')) as {
      counts: Record<string, Record<string, number>>;
      evidenceHash: string;
    };
    expect(ana.counts.snowflake?.['ANALYTICS.PUBLIC.WEB_SESSIONS']).toBe(2);
    const report = await readFile(join(outDir, 'DEMO-ANA.md'), 'utf8');
    expect(report).toContain('Art. 15(1)(a) Purposes of the processing');
    expect(report).toContain('- Ledger verification: PASS');
    const extended = await readFile(join(outDir, 'DEMO-ELLA.md'), 'utf8');
    expect(extended).toMatch(/Deadline extended \| reason: complexity/);
    expect(extended).toMatch(/deadline met\./);
    const confirmation = await readFile(join(outDir, 'DEMO-CHLOE-ERASE.md'), 'utf8');
    expect(confirmation).toContain('| postgres | public.support\\_tickets | delete | 1 | 1 | 0 | 0 | 0 |');
    expect(confirmation).toMatch(/row values of 2 finding\(s\) of 2 earlier request\(s\)/);
    expect(confirmation).not.toContain('chloe.dubois');
    // Findings and reports hold personal data: owner-only.
    // Each answered request's package: the page, the evidence and a manifest of every file.
    const manifest = JSON.parse(await readFile(join(outDir, 'DEMO-ANA', 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ kind: 'access', language: 'en', evidenceHash: ana.evidenceHash });
    expect(await readFile(join(outDir, 'DEMO-ANA', 'index.html'), 'utf8')).toContain('Your customer account');
    expect(await readFile(join(outDir, 'DEMO-ELLA', 'index.html'), 'utf8')).toContain('<html lang="de">');
    expect(await readFile(join(outDir, 'DEMO-CHLOE-ERASE', 'receipt.json'), 'utf8')).toContain('"outcome"');
    for (const file of ['DEMO-ANA.json', 'DEMO-ANA.md'])
      expect((await stat(join(outDir, file))).mode & 0o777).toBe(0o600);
  }, 180_000);
});
