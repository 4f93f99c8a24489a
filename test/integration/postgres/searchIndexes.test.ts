import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
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
});
