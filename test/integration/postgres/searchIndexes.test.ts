import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { checkLearnedColumns } from '../../../shared/postgres/checkLearnedColumns';
import { checkSearchIndexes } from '../../../shared/postgres/checkSearchIndexes';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { readPgCatalog } from '../../../shared/postgres/readPgCatalog';
import { openDatabase } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

const MAP = parseDataMap(
  `version: 1
identities:
  email: { normalize: lowercase }
  phone: { normalize: digits }
  user_id: {}
  tag: {}
  alias: { normalize: lowercase }
  doc: {}
  ip: {}
postgres:
  - table: public.people
    primaryKey: [id]
    identities: { email: email, phone: phone, user_id: id, tag: tags, alias: aliases, doc: doc, ip: last_ip }
  - table: public.visits
    primaryKey: [id]
    follow: { person_id: public.people.id }
  - table: public.notes
    primaryKey: [id]
    follow: { person_id: public.people.id }
`,
  'test.yaml',
);

let database: TestDatabase;
let db: PgDatabase;

beforeAll(async () => {
  database = await createTestDatabase('idx');
  await database.exec(`
    CREATE TABLE public.people (id int PRIMARY KEY, email text, phone text, tags text[], aliases text[], doc json, last_ip inet);
    CREATE TABLE public.visits (id int PRIMARY KEY, person_id int);
    CREATE TABLE public.notes (id int PRIMARY KEY, person_id int);
    CREATE INDEX people_email_plain_lower ON public.people (lower(email)); -- not the searched expression
    CREATE INDEX people_phone_digits ON public.people (regexp_replace(phone, '[^0-9]', '', 'g'));
    CREATE INDEX people_tags ON public.people USING gin (tags);
    CREATE INDEX notes_person ON public.notes (person_id, id);
    CREATE TABLE public.staff (id int PRIMARY KEY, email text UNIQUE, phone text, name text);
    INSERT INTO public.staff VALUES
      (1, 'ann@corp.test', '+1 206 555 0100', 'Ann'),
      (2, 'bob@corp.test', '+1 (206) 555-0100', 'Bob'),
      (3, 'cy@corp.test', '+1 206 555 0199', 'Cy'),
      (4, 'di@corp.test', NULL, 'Di'),
      (5, 'ed@corp.test', '', 'Ed');
  `);
  db = openDatabase(database.dsn);
});

afterAll(async () => {
  await db.end();
  await database.drop();
});

describe('Function: checkSearchIndexes', () => {
  it('warns exactly about the searches no index serves and the ones compared inexactly', async () => {
    const warnings = await checkSearchIndexes(db, MAP, await readPgCatalog(db, ['public']));
    expect(warnings.map((w) => [w.column, w.searchedAs, w.createIndex ?? null])).toEqual([
      [
        'public.people.email',
        'identity email',
        expect.stringMatching(
          /^CREATE INDEX ON "public"\."people" \(\(lower\(normalize\(btrim\("email", E'.*'\), NFC\)\)\)\);$/,
        ),
      ],
      ['public.people.aliases', 'identity alias', null],
      ['public.people.doc', 'identity doc', null],
      ['public.people.last_ip', 'identity ip', 'CREATE INDEX ON "public"."people" ("last_ip");'],
      [
        'public.visits.person_id',
        'follow public.people.id',
        'CREATE INDEX ON "public"."visits" ("person_id");',
      ],
    ]);
    expect(warnings.find((w) => w.column === 'public.people.doc')?.message).toMatch(
      /json is compared through its text form/,
    );
    expect(warnings.find((w) => w.column === 'public.people.aliases')?.message).toMatch(/no index serves/);
  });

  it('is satisfied once the suggested indexes exist', async () => {
    const before = await checkSearchIndexes(db, MAP, await readPgCatalog(db, ['public']));
    for (const w of before) if (w.createIndex) await database.exec(w.createIndex);
    const after = await checkSearchIndexes(db, MAP, await readPgCatalog(db, ['public']));
    expect(after.map((w) => w.column)).toEqual(['public.people.aliases', 'public.people.doc']);
  });

  it('judges the plan by what it reads: a whole UNIQUE index read and filtered is reported with the index to create', async () => {
    const staff = parseDataMap(
      `version: 1
identities: { email: { normalize: lowercase } }
postgres:
  - table: public.staff
    primaryKey: [id]
    identities: { email: email }
`,
      'staff.yaml',
    );
    const warnings = await checkSearchIndexes(db, staff, await readPgCatalog(db, ['public']));
    expect(warnings.map((w) => w.column)).toEqual(['public.staff.email']);
    expect(warnings[0]?.createIndex).toMatch(
      /^CREATE INDEX ON "public"\."staff" \(\(lower\(normalize\(btrim\("email"/,
    );
    // The plan it judged: the plain UNIQUE index on email, read whole under a Filter.
    const plan = await database.exec(`
      BEGIN; SET LOCAL enable_seqscan = off;
      EXPLAIN SELECT 1 FROM public.staff WHERE lower(normalize(btrim(email), NFC)) = ANY('{}'::text[]);
      ROLLBACK;`);
    expect(JSON.stringify(plan)).toMatch(/Filter/);
  });

  it('reports a plain UNIQUE index that an index-only scan reads whole under a Filter', async () => {
    // Prepare: a vacuumed table, so the planner reads the UNIQUE index by an index-only scan.
    await database.exec(`
      CREATE TABLE public.agents (email text UNIQUE);
      INSERT INTO public.agents SELECT 'agent' || i || '@corp.test' FROM generate_series(1, 5000) i;`);
    await database.exec('VACUUM ANALYZE public.agents');
    const agents = parseDataMap(
      `version: 1
identities: { email: { normalize: lowercase } }
postgres:
  - table: public.agents
    identities: { email: email }
`,
      'agents.yaml',
    );

    // Act
    const warnings = await checkSearchIndexes(db, agents, await readPgCatalog(db, ['public']));
    const plan = await database.exec(`
      BEGIN; SET LOCAL enable_seqscan = off;
      EXPLAIN SELECT 1 FROM public.agents WHERE lower(normalize(btrim(email), NFC)) = ANY('{}'::text[]);
      ROLLBACK;`);

    // Assess: the plan it judged is no sequential scan, and it is still reported.
    const text = JSON.stringify(plan);
    expect(text).toMatch(/Index Only Scan using agents_email_key on agents/);
    expect(text).not.toMatch(/Seq Scan|Index Cond/);
    expect(text).toMatch(/Filter: \(lower\(NORMALIZE\(btrim\(email\), NFC\)\)/);
    expect(warnings.map((w) => w.column)).toEqual(['public.agents.email']);
    expect(warnings[0]?.createIndex).toMatch(
      /^CREATE INDEX ON "public"\."agents" \(\(lower\(normalize\(btrim\("email"/,
    );
  });
});

describe('Function: checkLearnedColumns', () => {
  it('reports the share of repeated values of a learned column, compared as discovery compares them, never a value', async () => {
    const staff = parseDataMap(
      `version: 1
identities: { email: { normalize: lowercase }, phone: { normalize: digits } }
postgres:
  - table: public.staff
    primaryKey: [id]
    identities: { email: email, phone: phone }
    learn: [email, phone]
`,
      'staff.yaml',
    );
    const found = await checkLearnedColumns(db, staff, await readPgCatalog(db, ['public']));
    expect(found.map((f) => [f.column, f.identity, f.rows, f.repeatedRows])).toEqual([
      ['public.staff.phone', 'phone', 3, 2],
    ]);
    expect(found[0]?.message).toMatch(
      /66\.7 % of its non-null values \(2 of 3 rows\) are held by more than one row/,
    );
    expect(found[0]?.message).not.toMatch(/206/);
  });
});
