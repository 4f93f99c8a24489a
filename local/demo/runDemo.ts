import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { discoverSubject } from '../../shared/discovery/discoverSubject';
import { serializeFindingsDocument } from '../../shared/discovery/FindingsDocument';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import { startEmbeddedPostgres } from '../postgres/embeddedPostgres';
import { generateSampleData } from '../sample/generateSampleData';

/** The demo's requests: one per kind of reach through the data map. */
const REQUESTS: { requestId: string; note: string; identifiers: Record<string, string[]> }[] = [
  { requestId: 'DEMO-ANA', note: 'email, mixed case', identifiers: { email: ['Ana.Lopez@Example.com'] } },
  { requestId: 'DEMO-BOB', note: 'phone only, via follow edges', identifiers: { phone: ['020 7946 0022'] } },
  {
    requestId: 'DEMO-CHLOE',
    note: 'only in support tickets',
    identifiers: { email: ['chloe.dubois@example.org'] },
  },
  { requestId: 'DEMO-NOBODY', note: 'unknown subject', identifiers: { email: ['nobody@example.com'] } },
];

/** A fixed local key: the demo's hashes are reproducible. Real deployments read it from Secrets Manager. */
const DEMO_HASH_KEY = 'dsr-bridge-local-demo-key-not-for-production';

/**
 * Runs discovery end to end on one machine: an embedded PostgreSQL with the sample shop data, the
 * sample data map, and the personas above; writes `out/<requestId>.json` and prints a summary.
 * Returns the process exit code.
 */
export async function runDemo(
  options: { outDir?: string; log?: (line: string) => void } = {},
): Promise<number> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const outDir = options.outDir ?? 'out';
  log('Starting embedded PostgreSQL and loading the sample shop database…');
  const server = await startEmbeddedPostgres({ label: 'demo' });
  const db = new PgDatabase({
    credentials: new DsnCredentialSource(server.dsn),
    applicationName: 'dsr-bridge-demo',
  });
  try {
    await generateSampleData(server.dsn, { scale: 1, seed: 42 });
    const mapFile = new URL('../sample/datamap.yaml', import.meta.url);
    const dataMap = parseDataMap(await readFile(mapFile, 'utf8'), 'local/sample/datamap.yaml');
    const postgres = await PostgresTableSearcher.create(db, dataMap, 'local/sample/datamap.yaml');
    await db.healthCheck();
    await mkdir(outDir, { recursive: true });
    const rows: string[][] = [['request', 'reach', 'rows', 'tables with rows', 'evidence sha256', 'file']];
    for (const request of REQUESTS) {
      const { document } = await discoverSubject(
        { dataMap, searchers: { postgres }, subjectHashKey: DEMO_HASH_KEY },
        { requestId: request.requestId, identifiers: request.identifiers },
      );
      const file = join(outDir, `${request.requestId}.json`);
      await writeFile(file, `${serializeFindingsDocument(document)}\n`);
      const withRows = Object.values(document.counts.postgres ?? {}).filter((n) => n > 0).length;
      rows.push([
        request.requestId,
        request.note,
        String(document.findings.length),
        String(withRows),
        `${document.evidenceHash.slice(0, 16)}…`,
        file,
      ]);
      log(`  ${request.requestId}: discovered ${document.findings.length} rows`);
    }
    log('');
    log(formatTable(rows));
    log('');
    log('Snowflake loading and the SQS pipeline are not part of this demo yet (see README, "Status").');
    return 0;
  } finally {
    await db.end();
    await server.stop();
  }
}

function formatTable(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
