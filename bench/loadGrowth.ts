/**
 * How the local endpoint's findings MERGE scales with the size of DSR_FINDINGS: loads `total`
 * findings of one request through `loadFindingsPart` in parts of `step`, and prints each part's
 * rows/s beside the rows already in the table. The load stage's statements exactly, through the
 * real driver against `startLocalSnowflake`.
 *
 *   npx tsx bench/loadGrowth.ts [total=20000] [step=2000]
 */
import { loadFindingsPart } from '../shared/load/loadFindings';
import { configureSnowflakeDriver } from '../shared/snowflake/configureSnowflakeDriver';
import { SnowflakeDatabase } from '../shared/snowflake/SnowflakeDatabase';
import { benchFindingsDocument } from './suites/loadBench';

const total = Number(process.argv[2] ?? 20_000);
const step = Number(process.argv[3] ?? 2_000);
configureSnowflakeDriver({ ocspFailOpen: true, logLevel: 'OFF' });
const { startLocalSnowflake } = await import('../local/snowflake/startLocalSnowflake');
const sf = await startLocalSnowflake();
const db = new SnowflakeDatabase({
  account: sf.account,
  user: 'DSR',
  password: 'dsr',
  accessUrl: sf.url,
  statementTimeoutMs: 600_000,
  loginTimeoutMs: 30_000,
  networkTimeoutMs: 600_000,
});
await sf.sql('CREATE DATABASE EVIDENCE');
await sf.sql('CREATE SCHEMA EVIDENCE.DSR');
const document = benchFindingsDocument('REQ-GROWTH', total);
const discoveredAt = new Date('2025-03-01T12:00:00.000Z');
for (let existing = 0; existing < total; existing += step) {
  const part = document.findings.slice(existing, existing + step);
  const start = process.hrtime.bigint();
  await loadFindingsPart(db, { database: 'EVIDENCE', schema: 'DSR' }, document, part, { discoveredAt });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(
    `${existing} rows there: ${part.length} rows in ${ms.toFixed(0)} ms, ${((part.length * 1000) / ms).toFixed(0)} rows/s\n`,
  );
}
const [row] = await sf.sql('SELECT COUNT(*) AS N FROM EVIDENCE.DSR.DSR_FINDINGS');
if (Number(row?.N) !== total) throw new Error(`landed ${row?.N} of ${total} rows`);
process.stdout.write(`${total} rows landed, each once\n`);
await sf.stop();
process.exit(0);
