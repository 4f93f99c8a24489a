import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { planSearch } from '../../../shared/discovery/planSearch';
import type { FoundRow } from '../../../shared/discovery/SearchableTable';
import { DataMapError } from '../../../shared/errors/errors';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { readPgCatalogFingerprint } from '../../../shared/postgres/readPgCatalogFingerprint';
import { openDatabase } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

const map = parseDataMap(
  `version: 1
identities: { email: {} }
postgres:
  - table: public.people
    primaryKey: [id]
    identities: { email: email }
`,
  'people.yaml',
);

let database: TestDatabase;
let db: PgDatabase;

beforeAll(async () => {
  database = await createTestDatabase('refresh');
  await database.exec(`CREATE TABLE public.people (id int PRIMARY KEY, email text NOT NULL, city text);
    INSERT INTO public.people VALUES (1, 'ana@x.test', 'Porto');`);
  db = openDatabase(database.dsn);
});

afterAll(async () => {
  await db?.end();
  await database?.drop();
});

describe('Method: PostgresTableSearcher.refreshCatalog', () => {
  it('searches the columns the table has now once refreshed, and keeps the last good catalog when the map no longer matches', async () => {
    // Prepare
    const searcher = await PostgresTableSearcher.create(db, map, 'people.yaml');
    const [table] = planSearch(map);
    const input = table?.inputs[0];
    if (!table || !input) throw new Error('the plan has the table');
    const rowOf = async () => {
      const rows: FoundRow[] = [];
      await searcher.search(table, input, ['ana@x.test'], (page) => rows.push(...page));
      return rows[0]?.row;
    };
    await database.exec(
      "ALTER TABLE public.people ADD COLUMN nickname text; UPDATE public.people SET nickname = 'ani'",
    );

    // Act and assess: the catalog read at creation, then the one read again.
    expect(await rowOf()).toEqual({ id: 1, email: 'ana@x.test', city: 'Porto' });
    expect(await searcher.refreshCatalog()).toBe(true);
    expect(await rowOf()).toEqual({ id: 1, email: 'ana@x.test', city: 'Porto', nickname: 'ani' });
    expect(await searcher.refreshCatalog()).toBe(false);

    await database.exec('ALTER TABLE public.people DROP COLUMN city');
    await expect(rowOf()).rejects.toThrow();
    expect(await searcher.refreshCatalog()).toBe(true);
    expect(await rowOf()).toEqual({ id: 1, email: 'ana@x.test', nickname: 'ani' });

    // The identity column renamed: the map no longer matches, and says so.
    await database.exec('ALTER TABLE public.people RENAME COLUMN email TO mail');
    await expect(searcher.refreshCatalog()).rejects.toBeInstanceOf(DataMapError);
    await expect(searcher.refreshCatalog()).rejects.toThrow(/people\.yaml/);
  });

  it('changes its fingerprint with every change the catalog check reads, and not with rows', async () => {
    // Prepare
    await database.exec(`CREATE SCHEMA elsewhere;
      CREATE TABLE public.keyed (id int NOT NULL, email text, code char(4), created date);
      CREATE TABLE public.log (at date NOT NULL, email text) PARTITION BY RANGE (at);`);
    const steps = [
      'CREATE UNIQUE INDEX keyed_id ON public.keyed (id)',
      'ALTER TABLE public.keyed ADD PRIMARY KEY USING INDEX keyed_id',
      'ALTER TABLE public.keyed ALTER COLUMN code TYPE char(6)',
      'ALTER TABLE public.keyed ALTER COLUMN email SET NOT NULL',
      'ALTER TABLE public.keyed ALTER COLUMN created SET DATA TYPE timestamptz',
      'CREATE UNIQUE INDEX keyed_email ON public.keyed (lower(email))',
      'DROP INDEX public.keyed_email',
      "CREATE TABLE elsewhere.log_2026 PARTITION OF public.log FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
      'CREATE TABLE elsewhere.keyed_child () INHERITS (public.keyed)',
      'ALTER TABLE public.keyed RENAME TO keyed2',
    ];
    const fingerprint = () => readPgCatalogFingerprint(db, ['public']);
    let before = await fingerprint();

    // Act and assess: each step changes the fingerprint (a dropped index gives back the one before
    // it was made); rows change none.
    for (const step of steps) {
      await database.exec(step);
      const now = await fingerprint();
      expect(now, step).not.toBe(before);
      before = now;
    }
    const last = await fingerprint();
    await database.exec(
      "INSERT INTO public.keyed2 VALUES (1, 'a@x.test', 'AB', now()); DELETE FROM public.keyed2",
    );
    expect(await fingerprint()).toBe(last);
  });
});
