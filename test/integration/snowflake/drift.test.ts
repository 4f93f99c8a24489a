import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import type { DriftGate } from '../../../shared/drift/DriftGate';
import { openDriftGate } from '../../../shared/drift/openDriftGate';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { configureSnowflakeDriver } from '../../../shared/snowflake/configureSnowflakeDriver';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { openDatabase } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from './helpers';

/** Every source table has these columns; each mirror differs from them in one way. */
const SOURCE = `id bigint PRIMARY KEY, email character varying(255) NOT NULL, balance numeric(12,2),
  created_at timestamptz, profile jsonb, note text`;
const MIRROR: Record<string, string> = {
  ID: 'NUMBER(38,0)',
  EMAIL: 'VARCHAR(255)',
  BALANCE: 'NUMBER(12,2)',
  CREATED_AT: 'TIMESTAMP_TZ',
  PROFILE: 'VARIANT',
  NOTE: 'VARCHAR',
};
const WIDE_EXTRA = Array.from({ length: 20 }, (_, i) => `c${i} text`).join(', ');

/** Mirror DDL with some columns replaced (a type) or dropped (null), and extra columns appended. */
function mirrorDdl(name: string, changes: Record<string, string | null> = {}, extra = ''): string {
  const columns = Object.entries({ ...MIRROR, ...changes })
    .filter(([, type]) => type !== null)
    .map(([column, type]) => `${column} ${type}`);
  return `CREATE TABLE ANALYTICS.MIRROR.${name} (${[...columns, ...(extra ? [extra] : [])].join(', ')})`;
}

const CASES: { table: string; mirror?: string }[] = [
  { table: 'pass', mirror: mirrorDdl('PASS') },
  { table: 'missing_column', mirror: mirrorDdl('MISSING_COLUMN', { NOTE: null }) },
  { table: 'missing_identity', mirror: mirrorDdl('MISSING_IDENTITY', { EMAIL: null }) },
  { table: 'extra_column', mirror: mirrorDdl('EXTRA_COLUMN', {}, 'LOYALTY_TIER VARCHAR') },
  { table: 'text_narrowed', mirror: mirrorDdl('TEXT_NARROWED', { EMAIL: 'VARCHAR(100)' }) },
  { table: 'number_narrowed', mirror: mirrorDdl('NUMBER_NARROWED', { BALANCE: 'NUMBER(12,0)' }) },
  { table: 'integer_to_float', mirror: mirrorDdl('INTEGER_TO_FLOAT', { ID: 'FLOAT' }) },
  { table: 'zone_lost', mirror: mirrorDdl('ZONE_LOST', { CREATED_AT: 'TIMESTAMP_NTZ' }) },
  { table: 'json_not_variant', mirror: mirrorDdl('JSON_NOT_VARIANT', { PROFILE: 'VARCHAR' }) },
  { table: 'incompatible_type', mirror: mirrorDdl('INCOMPATIBLE_TYPE', { CREATED_AT: 'DATE' }) },
  { table: 'missing_table' },
];

let sf: LocalSnowflake;
let sfDb: SnowflakeDatabase;
let pgTest: TestDatabase;
let pg: PgDatabase;
let gate: DriftGate;

beforeAll(async () => {
  configureSnowflakeDriver({ logLevel: 'OFF' });
  sf = await startTestSnowflake();
  pgTest = await createTestDatabase('sfdrift');
  await sf.sql('CREATE DATABASE ANALYTICS');
  await sf.sql('CREATE SCHEMA ANALYTICS.MIRROR');
  for (const c of CASES) {
    await pgTest.exec(`CREATE TABLE public.${c.table} (${SOURCE})`);
    if (c.mirror) await sf.sql(c.mirror);
  }
  await pgTest.exec(`CREATE TABLE public.wide (${SOURCE}, ${WIDE_EXTRA})`);
  await sf.sql(
    `${mirrorDdl('WIDE', {}, [...Array.from({ length: 20 }, (_, i) => `C${i} VARCHAR`), 'LOYALTY_TIER VARCHAR'].join(', '))}`,
  );
  const map = parseDataMap(
    `version: 1
identities:
  email: { normalize: lowercase }
postgres:
${[...CASES.map((c) => c.table), 'wide']
  .map(
    (t) => `  - table: public.${t}
    primaryKey: [id]
    identities: { email: email }
    mirror: ANALYTICS.MIRROR.${t.toUpperCase()}`,
  )
  .join('\n')}
`,
    'drift.yaml',
  );
  pg = openDatabase(pgTest.dsn);
  sfDb = openTestSnowflakeDatabase(sf);
  gate = openDriftGate({ dataMap: map, postgres: pg, snowflake: sfDb });
});

afterAll(async () => {
  await sfDb?.close();
  await pg?.end();
  await pgTest?.drop();
  await sf?.stop();
});

const findingsOf = async (table: string) => {
  const verdict = await gate.check([`public.${table}`]);
  return {
    verdict: { status: verdict.status, halt: verdict.halt, driftPercent: verdict.driftPercent },
    findings: verdict.findings.map((f) => ({ column: f.column, kind: f.kind, corrupting: f.corrupting })),
  };
};

describe('Drift gate against a local Snowflake', () => {
  it('passes a mirror that matches its source', async () => {
    expect(await findingsOf('pass')).toEqual({
      verdict: { status: 'pass', halt: false, driftPercent: 0 },
      findings: [],
    });
  });

  it('finds a missing column and halts on the percentage (1 of 6 columns)', async () => {
    expect(await findingsOf('missing_column')).toEqual({
      verdict: { status: 'drifted', halt: true, driftPercent: 16.67 },
      findings: [{ column: 'note', kind: 'missing_column', corrupting: false }],
    });
  });

  it('finds a missing identity column and calls it corrupting', async () => {
    expect(await findingsOf('missing_identity')).toEqual({
      verdict: { status: 'drifted', halt: true, driftPercent: 16.67 },
      findings: [{ column: 'email', kind: 'missing_column', corrupting: true }],
    });
  });

  it('finds an extra column', async () => {
    expect(await findingsOf('extra_column')).toEqual({
      verdict: { status: 'drifted', halt: true, driftPercent: 14.29 },
      findings: [{ column: 'LOYALTY_TIER', kind: 'extra_column', corrupting: false }],
    });
  });

  it('lets an extra column on a wide table through: drifted below the threshold', async () => {
    expect(await findingsOf('wide')).toEqual({
      verdict: { status: 'drifted', halt: false, driftPercent: 3.7 },
      findings: [{ column: 'LOYALTY_TIER', kind: 'extra_column', corrupting: false }],
    });
  });

  it.each([
    ['text_narrowed', 'email'],
    ['number_narrowed', 'balance'],
    ['integer_to_float', 'id'],
    ['zone_lost', 'created_at'],
    ['json_not_variant', 'profile'],
    ['incompatible_type', 'created_at'],
  ])('finds %s on %s and halts, corrupting', async (kind, column) => {
    expect(await findingsOf(kind)).toEqual({
      verdict: { status: 'drifted', halt: true, driftPercent: 16.67 },
      findings: [{ column, kind, corrupting: true }],
    });
  });

  it('finds a missing mirror table', async () => {
    expect(await findingsOf('missing_table')).toEqual({
      verdict: { status: 'drifted', halt: true, driftPercent: 100 },
      findings: [{ column: null, kind: 'missing_table', corrupting: true }],
    });
  });

  it('checks every mirrored table at once', async () => {
    const verdict = await gate.check();
    expect(verdict.tables).toHaveLength(CASES.length + 1);
    expect(verdict.halt).toBe(true);
    expect(new Set(verdict.findings.map((f) => f.kind))).toEqual(
      new Set(CASES.filter((c) => c.table !== 'pass' && c.table !== 'missing_identity').map((c) => c.table)),
    );
  });
});
