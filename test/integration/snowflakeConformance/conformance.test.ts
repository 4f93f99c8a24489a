import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import type { CanonicalValue } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { SnowflakeScanSource } from '../../../shared/scan/SnowflakeScanSource';
import { snowflakeExecuteOver } from '../../../shared/scan/snowflakeExecuteOver';
import { configureSnowflakeDriver } from '../../../shared/snowflake/configureSnowflakeDriver';
import { FilePrivateKeySource } from '../../../shared/snowflake/PrivateKeySource';
import { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import type { LoadLocation } from '../../../shared/snowflake/statements';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from '../snowflake/helpers';
import { type ProductStatement, productStatements, sourceTableSql } from './productStatements';

/**
 * Runs every statement the product sends (productStatements.ts) through the real driver and checks
 * the result shape and types: always against the local endpoint, and against a real account when
 * SNOWFLAKE_CONFORMANCE_ACCOUNT and its credentials are set (see the README, "Conformance").
 * With SNOWFLAKE_CONFORMANCE_RECORD=1 the real run writes what it got to fixtures/<name>.json, and
 * the local run then checks the endpoint against those recorded answers too.
 */
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const STATEMENT_TIMEOUT_MS = 30_000;
const env = process.env;
const REAL = env.SNOWFLAKE_CONFORMANCE_ACCOUNT;
const RECORD = env.SNOWFLAKE_CONFORMANCE_RECORD === '1';

interface Observed {
  readonly columns: readonly (readonly [string, string])[];
  readonly rows: string;
}

interface Fixture extends Partial<Observed> {
  readonly name: string;
  /** Where the expected answer comes from: a page of Snowflake's documentation, or a recorded run. */
  readonly source: string;
}

function fixtureOf(name: string): Fixture | undefined {
  const file = `${FIXTURES}${name}.json`;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Fixture) : undefined;
}

async function observe(db: SnowflakeDatabase, s: Pick<ProductStatement, 'sql' | 'binds'>): Promise<Observed> {
  const result = await db.execute(s.sql, [...s.binds]);
  return {
    columns: result.columns.map((c) => [c.name, c.type] as const),
    rows: canonicalJson(result.rows as unknown as CanonicalValue),
  };
}

/** Runs the whole list on one target, checking each answer; returns what it saw, by name. */
function conformanceSuite(
  target: string,
  open: () => Promise<{ db: SnowflakeDatabase; at: LoadLocation; done: () => Promise<void> }>,
) {
  const seen = new Map<string, Observed>();
  let db: SnowflakeDatabase;
  let at: LoadLocation;
  let done: () => Promise<void>;

  beforeAll(async () => {
    configureSnowflakeDriver({ logLevel: 'OFF' });
    ({ db, at, done } = await open());
    for (const sql of sourceTableSql(at)) await db.execute(sql);
  }, 120_000);
  afterAll(async () => {
    if (RECORD && target === 'a real account')
      for (const [name, observed] of seen) {
        const statement = productStatements(at, STATEMENT_TIMEOUT_MS).find((s) => s.name === name);
        // Rows are kept only where they are fixed (not LOADED_AT, not catalog details).
        const fixture = {
          name,
          source: `recorded from a real account on ${new Date().toISOString().slice(0, 10)}`,
          columns: observed.columns,
          ...(statement?.rows ? { rows: observed.rows } : {}),
        };
        writeFileSync(`${FIXTURES}${name}.json`, `${JSON.stringify(fixture, null, 2)}\n`);
      }
    await done?.();
  });

  // Each statement in order: later ones read what earlier ones wrote.
  for (const statement of productStatements({ database: 'D', schema: 'S' }, STATEMENT_TIMEOUT_MS)) {
    it(`${statement.sender}: ${statement.name} is accepted and answers the expected shape`, async () => {
      const actual = productStatements(at, STATEMENT_TIMEOUT_MS).find((s) => s.name === statement.name);
      const observed = await observe(db, actual as ProductStatement);
      seen.set(statement.name, observed);
      if (statement.columns) expect(observed.columns).toEqual(statement.columns);
      if (statement.rows) expect(observed.rows).toBe(statement.rows);
      const recorded = target === 'the local endpoint' ? fixtureOf(statement.name) : undefined;
      if (recorded?.columns) expect(observed.columns).toEqual(recorded.columns);
      if (recorded?.rows) expect(observed.rows).toBe(recorded.rows);
    });
  }

  it('every statement has an expected answer: its columns here or in a fixture', () => {
    const unchecked = productStatements({ database: 'D', schema: 'S' }, STATEMENT_TIMEOUT_MS)
      .filter((s) => !s.columns && !fixtureOf(s.name)?.columns)
      .map((s) => s.name);
    expect(unchecked).toEqual([]);
  });

  it('scan sampler: lists the table from INFORMATION_SCHEMA and samples its columns as text, digits exact', async () => {
    const sent: string[] = [];
    const execute = snowflakeExecuteOver(db);
    const source = new SnowflakeScanSource({
      databases: [at.database],
      execute: (sql, binds) => {
        sent.push(sql);
        return execute(sql, binds);
      },
    });
    const table = (await source.listTables()).find(
      (t) => t.parts[1] === at.schema && t.parts[2] === 'CONTACTS',
    );
    expect(table?.columns.map((c) => c.name)).toEqual([
      'ID',
      'EMAIL',
      'PHONE',
      'PROFILE',
      'TAGS',
      'ATTRS',
      'SEEN_AT',
      'PHOTO',
    ]);
    const rows = await source.sample(table as NonNullable<typeof table>, table?.columns ?? [], 10);
    expect(rows).toHaveLength(2);
    expect(rows.flat()).toContain('9007199254740993');
    expect(rows.flat().join(' ')).toContain('123456789012345678901234567890');
    expect(sent.length).toBeGreaterThanOrEqual(2);
  });
}

describe('Snowflake conformance: every product statement against the local endpoint', () => {
  let sf: LocalSnowflake | undefined;
  conformanceSuite('the local endpoint', async () => {
    sf = await startTestSnowflake();
    await sf.sql('CREATE DATABASE CONFORMANCE');
    await sf.sql('CREATE SCHEMA CONFORMANCE.RUN');
    const db = openTestSnowflakeDatabase(sf, { statementTimeoutMs: STATEMENT_TIMEOUT_MS });
    return {
      db,
      at: { database: 'CONFORMANCE', schema: 'RUN' },
      done: async () => {
        await db.close();
        await sf?.stop();
      },
    };
  });
});

describe.skipIf(!REAL)(
  'Snowflake conformance: every product statement against a real account (skipped: SNOWFLAKE_CONFORMANCE_ACCOUNT is not set)',
  () => {
    conformanceSuite('a real account', async () => {
      const need = (name: string): string => {
        const value = env[name];
        if (!value) throw new Error(`${name} is not set (needed with SNOWFLAKE_CONFORMANCE_ACCOUNT)`);
        return value;
      };
      const database = need('SNOWFLAKE_CONFORMANCE_DATABASE').toUpperCase();
      const schema = `DSR_CONFORMANCE_${randomBytes(4).toString('hex').toUpperCase()}`;
      const db = new SnowflakeDatabase({
        account: REAL as string,
        user: need('SNOWFLAKE_CONFORMANCE_USER'),
        privateKey: new FilePrivateKeySource(
          need('SNOWFLAKE_CONFORMANCE_PRIVATE_KEY_PATH'),
          env.SNOWFLAKE_CONFORMANCE_PRIVATE_KEY_PASSPHRASE,
        ),
        warehouse: need('SNOWFLAKE_CONFORMANCE_WAREHOUSE'),
        database,
        ...(env.SNOWFLAKE_CONFORMANCE_ROLE ? { role: env.SNOWFLAKE_CONFORMANCE_ROLE } : {}),
        statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      });
      await db.execute(`CREATE SCHEMA "${database}"."${schema}"`);
      return {
        db,
        at: { database, schema },
        done: async () => {
          await db.execute(`DROP SCHEMA IF EXISTS "${database}"."${schema}"`).catch(() => undefined);
          await db.close();
        },
      };
    });
  },
);
