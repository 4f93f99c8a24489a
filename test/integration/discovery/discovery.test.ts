import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSampleData } from '../../../local/sample/generateSampleData';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { planSearch } from '../../../shared/discovery/planSearch';
import { DataMapError } from '../../../shared/errors/errors';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { discoverWith, openDatabase } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

let sample: TestDatabase;
let db: PgDatabase;
let SAMPLE_MAP: string;

beforeAll(async () => {
  sample = await createTestDatabase('disc');
  await generateSampleData(sample.dsn, { scale: 0.2, seed: 7 });
  SAMPLE_MAP = await readFile('local/sample/datamap.yaml', 'utf8');
  db = openDatabase(sample.dsn);
});

afterAll(async () => {
  await db.end();
  await sample.drop();
});

describe('Discovery on the sample shop database', () => {
  it('follows edges from an identity to every table, including composite keys', async () => {
    const { document, rounds } = await discoverWith(db, SAMPLE_MAP, { email: ['  ANA.lopez@example.COM'] });
    expect(document.counts).toEqual({
      postgres: {
        'public.users': 1,
        'public.addresses': 2,
        'public.orders': 2,
        'public.payments': 3,
        'public.support_tickets': 1,
        'public.events': 2,
      },
    });
    expect(rounds).toBeGreaterThanOrEqual(3);
    const payments = document.findings.filter((f) => f.table === 'public.payments').map((f) => f.key);
    expect(payments).toEqual([
      { order_id: '900000001', attempt: 1 },
      { order_id: '900000001', attempt: 2 },
      { order_id: '900000002', attempt: 1 },
    ]);
  });

  it('learns identities from rows: events are reachable only through the user id found by email', async () => {
    const { document } = await discoverWith(db, SAMPLE_MAP, { email: ['ana.lopez@example.com'] });
    const events = document.findings.filter((f) => f.table === 'public.events');
    expect(events.map((f) => f.key)).toEqual([{ id: '900000001' }, { id: '900000002' }]);
  });

  it('matches a phone number however it is written, through its digits', async () => {
    // Stored as '(020) 7946 0022'; every spelling normalises to 02079460022.
    const hashes = new Set<string>();
    for (const spelling of ['020-7946-0022', '(020) 7946 0022', '02079460022']) {
      const { document } = await discoverWith(db, SAMPLE_MAP, { phone: [spelling] });
      expect(document.counts.postgres?.['public.users']).toBe(1);
      hashes.add(document.evidenceHash);
    }
    expect(hashes.size).toBe(1);
    const { document: other } = await discoverWith(db, SAMPLE_MAP, { phone: ['020 7946 0023'] });
    expect(other.findings).toEqual([]);
  });

  it('finds a subject who exists only in support tickets', async () => {
    const { document } = await discoverWith(db, SAMPLE_MAP, { email: ['chloe.dubois@example.org'] });
    expect(document.findings.map((f) => f.table)).toEqual(['public.support_tickets']);
  });

  it('produces byte-identical findings and the same evidence hash on every run', async () => {
    const first = await discoverWith(db, SAMPLE_MAP, { email: ['ana.lopez@example.com'] });
    const other = openDatabase(sample.dsn, { poolMax: 1 });
    try {
      const second = await discoverWith(
        other,
        SAMPLE_MAP,
        { email: ['ana.lopez@example.com'] },
        { pageSize: 1 },
      );
      expect(second.json).toBe(first.json);
      expect(second.document.evidenceHash).toBe(first.document.evidenceHash);
    } finally {
      await other.end();
    }
  });

  it('pages through a composite primary key without losing or repeating rows', async () => {
    const all = await discoverWith(db, SAMPLE_MAP, { user_id: ['1', '2', '3', '4', '5'] });
    const paged = await discoverWith(db, SAMPLE_MAP, { user_id: ['1', '2', '3', '4', '5'] }, { pageSize: 2 });
    expect(all.document.findings.length).toBeGreaterThan(20);
    expect(paged.json).toBe(all.json);
  });

  it('grows keyset pages of small rows up to maxPageSize without losing or repeating rows', async () => {
    // Prepare: the events of the users with the most events, searched directly.
    const dataMap = parseDataMap(SAMPLE_MAP, 'map.yaml');
    const table = planSearch(dataMap).find((t) => t.table === 'public.events');
    const input = table?.inputs.find((i) => i.column === 'user_id');
    if (!table || !input) throw new Error('public.events.user_id is not searchable');
    const { rows: users } = await sample.exec(
      'SELECT user_id::text AS id FROM public.events GROUP BY 1 ORDER BY count(*) DESC LIMIT 5',
    );
    const values = users.map((u) => String(u.id));
    const read = async (pageSize: number, maxPageSize: number) => {
      const searcher = await PostgresTableSearcher.create(db, dataMap, 'map.yaml', { pageSize, maxPageSize });
      const pages: number[] = [];
      const ids: unknown[] = [];
      await searcher.search(table, input, values, (rows) => {
        pages.push(rows.length);
        for (const row of rows) ids.push(row.key.id);
      });
      return { pages, ids };
    };

    // Act
    const whole = await read(100_000, 100_000);
    const grown = await read(2, 8);

    // Assess
    expect(whole.ids.length).toBeGreaterThan(30);
    expect(grown.ids).toEqual(whole.ids);
    expect(grown.pages.slice(0, 4)).toEqual([2, 4, 8, 8]);
  });

  it('returns nothing and breaks nothing for injection attempts in identifier values', async () => {
    const before = await sample.exec('SELECT count(*)::int AS n FROM public.users');
    const hostile = {
      email: [
        "' OR 1=1 --",
        "x@y.z'); DROP TABLE public.users; --",
        'a\u0000b@example.com',
        "%' OR email LIKE '%",
      ],
      user_id: ['1 OR 1=1', '1; DELETE FROM public.users', '99999999999999999999999', '-0x1', ''],
      phone: ["'; SELECT pg_sleep(10); --"],
    };
    const { document } = await discoverWith(db, SAMPLE_MAP, hostile);
    expect(document.findings).toEqual([]);
    const after = await sample.exec('SELECT count(*)::int AS n FROM public.users');
    expect(after.rows[0]).toEqual(before.rows[0]);
  });

  it("searches the schemas the data map names, whatever the connection's search_path", async () => {
    const expected = (await discoverWith(db, SAMPLE_MAP, { email: ['ana.lopez@example.com'] })).json;
    await sample.exec(`CREATE SCHEMA decoy; CREATE TABLE decoy.users (id bigint PRIMARY KEY, email text)`);
    await sample.exec(`ALTER DATABASE ${sample.name} SET search_path = decoy`);
    const other = openDatabase(sample.dsn);
    try {
      const { rows } = await other.query<{ path: string }>("SELECT current_setting('search_path') AS path");
      expect(rows[0]?.path).toBe('decoy');
      expect((await discoverWith(other, SAMPLE_MAP, { email: ['ana.lopez@example.com'] })).json).toBe(
        expected,
      );
    } finally {
      await other.end();
      await sample.exec(`ALTER DATABASE ${sample.name} RESET search_path`);
    }
  });

  it('is deterministic for a seed: another database generated alike gives the same evidence', async () => {
    const twin = await createTestDatabase('twin');
    const twinDb = openDatabase(twin.dsn);
    try {
      await generateSampleData(twin.dsn, { scale: 0.2, seed: 7 });
      const a = await discoverWith(db, SAMPLE_MAP, { user_id: ['17'] });
      const b = await discoverWith(twinDb, SAMPLE_MAP, { user_id: ['17'] });
      expect(a.document.findings.length).toBeGreaterThan(5);
      expect(b.document.evidenceHash).toBe(a.document.evidenceHash);
    } finally {
      await twinDb.end();
      await twin.drop();
    }
  });
});

describe('Discovery over cycles', () => {
  it('terminates on a cycle of follow edges and finds every row of hers on it', async () => {
    await sample.exec(`
      CREATE TABLE public.accounts (id int PRIMARY KEY, primary_contact_id int);
      CREATE TABLE public.contacts (id int PRIMARY KEY, account_id int, email text);
      INSERT INTO public.accounts VALUES (10, 1), (20, 3);
      INSERT INTO public.contacts VALUES (1, 10, 'ana@acme.test'), (2, 10, 'ben@acme.test'), (3, 20, 'cy@other.test');`);
    const map = `version: 1
identities: { email: { normalize: lowercase } }
postgres:
  - table: public.contacts
    primaryKey: [id]
    identities: { email: email }
    follow: { account_id: public.accounts.id }
  - table: public.accounts
    primaryKey: [id]
    follow: { primary_contact_id: public.contacts.id }
`;
    const { document } = await discoverWith(db, map, { email: ['ana@acme.test'] });
    // Ben's contact row of the same account names him and not her: left out, and said so.
    expect(document.findings.map((f) => `${f.table}:${f.key.id}`)).toEqual([
      'public.accounts:10',
      'public.contacts:1',
    ]);
    expect(document.notFollowed).toEqual([
      expect.objectContaining({ table: 'public.accounts', column: 'id', othersOnly: true, rows: 1 }),
    ]);
  });
});

describe('Data map checked against the catalog', () => {
  it('refuses a missing column before any query runs, naming close matches', async () => {
    // A role that may read the catalog but no table: any data query would fail with 42501 instead.
    await sample.exec(`CREATE ROLE catalog_only LOGIN PASSWORD 'catalog_only'`);
    const url = new URL(sample.dsn);
    url.username = 'catalog_only';
    url.password = 'catalog_only';
    const restricted = openDatabase(url.toString());
    try {
      const map = parseDataMap(
        SAMPLE_MAP.replace(
          'identities: { email: email, user_id: id',
          'identities: { email: emial, user_id: id',
        ),
        'map.yaml',
      );
      const error = await PostgresTableSearcher.create(restricted, map, 'map.yaml').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataMapError);
      expect((error as DataMapError).problems).toEqual([
        {
          path: 'postgres[0].identities.email',
          message: expect.stringMatching(/emial does not exist.*Did you mean email\?/),
        },
      ]);
    } finally {
      await restricted.end();
    }
  });

  it('refuses an unknown table, a non-key primary key and an incompatible follow edge', async () => {
    await sample.exec('CREATE TABLE public.nokey (a uuid, b int)');
    const map = parseDataMap(
      `version: 1
identities: { user_id: {} }
postgres:
  - table: public.user
    primaryKey: [id]
    identities: { user_id: id }
  - table: public.nokey
    primaryKey: [a]
    identities: { user_id: b }
  - table: public.orders
    primaryKey: [id]
    follow: { user_id: public.nokey.a }
`,
      'map.yaml',
    );
    const error = (await PostgresTableSearcher.create(db, map, 'map.yaml').catch(
      (e: unknown) => e,
    )) as DataMapError;
    expect(error.problems.map((p) => p.path)).toEqual([
      'postgres[0].table',
      'postgres[1].primaryKey',
      'postgres[2].follow.user_id',
    ]);
    expect(error.problems[0]?.message).toMatch(/public\.user does not exist\. Did you mean public\.users/);
    expect(error.problems[1]?.message).toMatch(/has no primary key/);
    expect(error.problems[2]?.message).toMatch(/bigint\) cannot be compared with public\.nokey\.a \(uuid\)/);
  });
});
