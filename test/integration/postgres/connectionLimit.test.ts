import { noop } from 'cockatiel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COMMAND_CONNECT_ATTEMPTS,
  connectionLimitRetry,
} from '../../../shared/postgres/connectionLimitRetry';
import { PostgresError } from '../../../shared/postgres/errors';
import { discoverWith, openDatabase } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

const MAP = `version: 1
identities: { email: { normalize: lowercase }, user_id: {} }
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email, user_id: id }
  - table: public.orders
    primaryKey: [id]
    follow: { user_id: public.users.id }
`;

let database: TestDatabase;
let roleDsn: string;

beforeAll(async () => {
  database = await createTestDatabase('connlimit');
  const role = `${database.name}_burst`;
  await database.exec(`
    CREATE TABLE public.users (id int PRIMARY KEY, email text);
    CREATE TABLE public.orders (id int PRIMARY KEY, user_id int);
    INSERT INTO public.users SELECT i, 'user' || i || '@example.com' FROM generate_series(1, 50) i;
    INSERT INTO public.orders SELECT i, 1 + i % 50 FROM generate_series(1, 500) i;
    CREATE ROLE ${role} LOGIN PASSWORD 'burst' CONNECTION LIMIT 1;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role};
  `);
  const url = new URL(database.dsn);
  url.username = role;
  url.password = 'burst';
  roleDsn = url.toString();
});

afterAll(async () => {
  await database.exec(`DROP OWNED BY ${database.name}_burst`);
  await database.drop();
  await database.exec(`DROP ROLE IF EXISTS ${database.name}_burst`).catch(() => undefined);
});

/** One discovery as one process would run it: its own pool, closed at the end. */
async function discoverOnce(email: string, options: Parameters<typeof openDatabase>[1] = {}) {
  const db = openDatabase(roleDsn, { poolMax: 1, ...options });
  try {
    return (await discoverWith(db, MAP, { email: [email] })).document;
  } finally {
    await db.end();
  }
}

describe('A burst against a role connection limit', () => {
  it('hits "too many connections for role" (53300) without a retry', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => discoverOnce(`user${i + 1}@example.com`, { connectRetry: noop })),
    );
    const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason as unknown);
    expect(refused.length).toBeGreaterThan(0);
    for (const error of refused) {
      expect(error).toBeInstanceOf(PostgresError);
      expect(error).toMatchObject({ sqlState: '53300', retryable: true });
    }
  });

  it('retries the connect with backoff, so every discovery of the burst succeeds with its exact findings', async () => {
    // As `dsr discover` runs: each process with its own pool and the command's connect retry.
    const emails = Array.from({ length: 8 }, (_, i) => `user${i + 1}@example.com`);
    const documents = await Promise.all(
      emails.map((email) =>
        discoverOnce(email, { connectRetry: connectionLimitRetry(COMMAND_CONNECT_ATTEMPTS) }),
      ),
    );
    documents.forEach((document, i) => {
      expect(document.counts).toEqual({ postgres: { 'public.orders': 10, 'public.users': 1 } });
      expect(document.findings.find((f) => f.table === 'public.users')?.key).toEqual({ id: i + 1 });
    });
  }, 60_000);
});
