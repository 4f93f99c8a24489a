import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManagerCredentialSource } from '../../../adapters/aws/SecretsManagerCredentialSource';
import { generateSampleData } from '../../../local/sample/generateSampleData';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { discoverSubject } from '../../../shared/discovery/discoverSubject';
import type { TableSearcher } from '../../../shared/discovery/SearchableTable';
import { PoolExhaustedError, PostgresError } from '../../../shared/postgres/errors';
import { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { discoverWith, openDatabase, TEST_HASH_KEY } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

let sample: TestDatabase;
let MAP: string;
let baseline: string;

const ANA = { email: ['ana.lopez@example.com'] };

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Holds an exclusive lock on a table until released, so a query on it waits. */
async function lockTable(table: string): Promise<() => Promise<void>> {
  const locker = new pg.Client({ connectionString: sample.dsn });
  await locker.connect();
  await locker.query(`BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  return async () => {
    await locker.query('COMMIT');
    await locker.end();
  };
}

const waitingOnLock = (app: string) => async () =>
  (
    await sample.exec(
      `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
      [app],
    )
  ).rowCount === 1;

beforeAll(async () => {
  sample = await createTestDatabase('pool');
  await generateSampleData(sample.dsn, { scale: 0.1, seed: 3 });
  MAP = (await import('node:fs')).readFileSync('local/sample/datamap.yaml', 'utf8');
  const db = openDatabase(sample.dsn);
  baseline = (await discoverWith(db, MAP, ANA)).document.evidenceHash;
  await db.end();
});

afterAll(async () => {
  await sample.drop();
});

describe('Class: PgDatabase', () => {
  it('runs 50 concurrent discoveries on a pool of 4, all correct, leaving no client checked out', async () => {
    const db = openDatabase(sample.dsn, { poolMax: 4 });
    try {
      const subjects = Array.from({ length: 50 }, (_, i) => ({ user_id: [String(i + 1)] }));
      const sequential: string[] = [];
      for (const s of subjects.slice(0, 10))
        sequential.push((await discoverWith(db, MAP, s)).document.evidenceHash);
      const concurrent = await Promise.all(subjects.map((s) => discoverWith(db, MAP, s)));
      expect(concurrent).toHaveLength(50);
      expect(concurrent.slice(0, 10).map((r) => r.document.evidenceHash)).toEqual(sequential);
      expect(await db.checkedOut()).toBe(0);
    } finally {
      await db.end();
    }
  });

  it('retries a page whose backend was terminated mid-query, and the sweep completes', async () => {
    const app = 'dsr-terminated';
    const db = openDatabase(sample.dsn, { applicationName: app });
    const unlock = await lockTable('public.events');
    try {
      const running = discoverWith(db, MAP, ANA);
      await waitFor(waitingOnLock(app));
      const killed = await sample.exec(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
        [app],
      );
      expect(killed.rowCount).toBe(1);
      await unlock();
      const result = await running;
      expect(result.document.evidenceHash).toBe(baseline);
      expect(await db.checkedOut()).toBe(0);
    } finally {
      await db.end();
    }
  });

  it('surfaces a statement timeout as a retryable error and gives the client back', async () => {
    const app = 'dsr-timeout';
    const db = openDatabase(sample.dsn, { applicationName: app, statementTimeoutMs: 300 });
    const unlock = await lockTable('public.events');
    try {
      const error = await discoverWith(db, MAP, ANA).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PostgresError);
      expect(error).toMatchObject({ retryable: true, code: 'PG_57014' });
      expect(await db.checkedOut()).toBe(0);
    } finally {
      await unlock();
      await db.end();
    }
  });

  it('reports an exhausted pool as a retryable error after the connect timeout, not a hang', async () => {
    const db = openDatabase(sample.dsn, { poolMax: 1, connectTimeoutMs: 300 });
    try {
      let release = () => {};
      const holding = db.withClient(() => new Promise<void>((r) => (release = r)));
      await waitFor(async () => (await db.checkedOut()) === 1);
      const started = Date.now();
      const error = await db.query('SELECT 1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PoolExhaustedError);
      expect(error).toMatchObject({ retryable: true, code: 'PG_POOL_EXHAUSTED' });
      expect(Date.now() - started).toBeLessThan(3000);
      release();
      await holding;
      expect(await db.checkedOut()).toBe(0);
    } finally {
      await db.end();
    }
  });

  it('survives idle clients dying (as after a frozen container) and health-checks onto a fresh one', async () => {
    const app = 'dsr-frozen';
    const idleErrors: Error[] = [];
    const db = openDatabase(sample.dsn, {
      applicationName: app,
      poolMax: 3,
      onIdleClientError: (e) => idleErrors.push(e),
    });
    try {
      await Promise.all([
        db.query('SELECT pg_sleep(0.05)'),
        db.query('SELECT pg_sleep(0.05)'),
        db.query('SELECT 1'),
      ]);
      await sample.exec(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [app],
      );
      await db.healthCheck();
      expect((await discoverWith(db, MAP, ANA)).document.evidenceHash).toBe(baseline);
      // The idle clients' errors arrive as the server's termination reaches them: on a loaded
      // machine that can be after the statements above.
      await waitFor(async () => idleErrors.length > 0, 5000);
      expect(idleErrors.length).toBeGreaterThan(0);
      expect(await db.checkedOut()).toBe(0);
    } finally {
      await db.end();
    }
  });

  it('hears a lent client fail between two statements, without crashing, and destroys it', async () => {
    const app = 'dsr-lent';
    const db = openDatabase(sample.dsn, { applicationName: app, poolMax: 2 });
    try {
      const firstPid = await db.withClient(async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await sample.exec('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
        // The FATAL notice arrives while the client is still lent and nobody is querying on it.
        await new Promise((resolve) => setTimeout(resolve, 300));
        return rows[0]?.pid;
      });
      expect(await db.checkedOut()).toBe(0);
      const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(rows[0]?.pid).not.toBe(firstPid);
    } finally {
      await db.end();
    }
  });

  it('costs no request when the password is rotated mid-sweep', async () => {
    await sample.exec(`CREATE ROLE rotating LOGIN PASSWORD 'old-password';
      GRANT SELECT ON ALL TABLES IN SCHEMA public TO rotating`);
    const url = new URL(sample.dsn);
    const secret = {
      host: url.hostname,
      port: Number(url.port),
      username: 'rotating',
      password: 'old-password',
      dbname: sample.name,
    };
    const secretsManager = mockClient(SecretsManagerClient);
    secretsManager.on(GetSecretValueCommand).callsFake(() => ({ SecretString: JSON.stringify(secret) }));
    const app = 'dsr-rotation';
    const db = new PgDatabase({
      credentials: new SecretsManagerCredentialSource({
        secretId: 'dsr/pg',
        client: new SecretsManagerClient({ region: 'eu-west-1' }),
      }),
      applicationName: app,
      poolMax: 2,
    });
    try {
      const dataMap = parseDataMap(MAP, 'map.yaml');
      const postgres = await PostgresTableSearcher.create(db, dataMap, 'map.yaml');
      let rotated = false;
      // After the first table is searched: rotate the password and drop the pool's connections.
      const rotatingSearcher: TableSearcher = {
        async search(table, input, values, onPage) {
          await postgres.search(table, input, values, onPage);
          if (rotated) return;
          rotated = true;
          await sample.exec(`ALTER ROLE rotating PASSWORD 'new-password'`);
          secret.password = 'new-password';
          await sample.exec(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
            [app],
          );
        },
        countRows: (...args) => postgres.countRows(...args),
      };
      const { document } = await discoverSubject(
        {
          dataMap,
          searchers: { postgres: rotatingSearcher },
          subjectHashKey: TEST_HASH_KEY,
          tableConcurrency: 1,
        },
        { requestId: 'req-1', identifiers: ANA },
      );
      expect(rotated).toBe(true);
      expect(document.evidenceHash).toBe(baseline);
      // Once at start, once forced after the rejected password.
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
      expect(await db.checkedOut()).toBe(0);
    } finally {
      secretsManager.restore();
      await db.end();
    }
  });
});
