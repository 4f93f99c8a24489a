import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import { DataMapError } from '../../shared/errors/errors';
import type { PgDatabase } from '../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import { discoverWith, openDatabase } from '../support/discovery';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

let database: TestDatabase;
let db: PgDatabase;

/** Every table of the `hostile` schema with an md5 of its rows, to prove nothing was changed. */
async function fingerprint(): Promise<Record<string, string>> {
  const tables = await database.exec(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'hostile' ORDER BY tablename",
  );
  const result: Record<string, string> = {};
  for (const { tablename } of tables.rows as { tablename: string }[]) {
    const { rows } = await database.exec(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM hostile."${tablename}" t`,
    );
    result[tablename] = `${rows[0]?.n}:${rows[0]?.h}`;
  }
  return result;
}

function problemsOf(text: string): DataMapError['problems'] {
  try {
    parseDataMap(text, 'hostile.yaml');
  } catch (error) {
    if (error instanceof DataMapError) return error.problems;
    throw error;
  }
  throw new Error('the data map was accepted');
}

async function catalogProblems(text: string, on: PgDatabase = db): Promise<DataMapError['problems']> {
  const map = parseDataMap(text, 'hostile.yaml');
  const error = await PostgresTableSearcher.create(on, map, 'hostile.yaml').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataMapError);
  return (error as DataMapError).problems;
}

const PEOPLE_MAP = `version: 1
identities:
  email: { normalize: lowercase }
  user_id: {}
  phone: { normalize: digits }
  device: {}
postgres:
  - table: hostile.people
    primaryKey: [id]
    identities: { email: email, user_id: id, phone: phone, device: device_id }
    learn: [email, user_id, phone, device]
  - table: hostile.notes
    primaryKey: [id]
    follow: { person_id: hostile.people.id }
`;

beforeAll(async () => {
  database = await createTestDatabase('rel');
  await database.exec(`
    CREATE SCHEMA hostile;
    CREATE TABLE hostile.people (
      id int PRIMARY KEY,
      email text NOT NULL,
      phone text,
      device_id uuid,
      referred_by int
    );
    CREATE INDEX people_email ON hostile.people (lower(email));
    CREATE TABLE hostile.notes (id int PRIMARY KEY, person_id int, body text);
    CREATE TABLE hostile.x (id int PRIMARY KEY);
    INSERT INTO hostile.people VALUES
      (1, 'ana@example.com', '+44 20 7946 0001', '00000000-0000-4000-8000-000000000001', NULL),
      (2, 'ben@example.com', '+44 20 7946 0002', '00000000-0000-4000-8000-000000000002', 1),
      (3, 'cy@example.com', NULL, NULL, 2),
      (4, 'lone' || chr(65533) || 'surrogate@example.com', NULL, NULL, NULL);
    INSERT INTO hostile.notes VALUES (10, 1, 'first'), (11, 2, 'second'), (12, 3, 'third');`);
  db = openDatabase(database.dsn);
});

afterAll(async () => {
  await db?.end();
  await database?.drop();
});

describe('Data map: names that try to break out of quoting', () => {
  it.each([
    [
      'table',
      'table: hostile.people',
      "table: 'hostile.people\"; DROP TABLE hostile.x; --'",
      'postgres[0].table',
      /schema\.table/,
    ],
    [
      'primary-key column',
      'primaryKey: [id]\n    identities',
      "primaryKey: ['id\"; DROP TABLE hostile.x; --']\n    identities",
      'postgres[0].primaryKey[0]',
      /plain identifier/,
    ],
    [
      'identity column',
      'identities: { email: email,',
      "identities: { email: 'email\") OR true; --',",
      'postgres[0].identities.email',
      /plain identifier/,
    ],
    [
      'follow column',
      'follow: { person_id: hostile.people.id }',
      "follow: { 'person_id\"; --': hostile.people.id }",
      'postgres[1].follow.person_id"; --',
      // A refused record key gets zod's generic message; the path names it.
      /./,
    ],
    [
      'follow target',
      'follow: { person_id: hostile.people.id }',
      "follow: { person_id: 'hostile.people.id\"; DROP TABLE hostile.x; --' }",
      'postgres[1].follow.person_id',
      /schema\.table\.column/,
    ],
    [
      'schema with a quote',
      'table: hostile.notes',
      "table: 'hostile\".notes'",
      'postgres[1].table',
      /schema\.table/,
    ],
  ])('refuses a %s that carries a quote and SQL, at parse', (_what, from, to, path, message) => {
    const text = PEOPLE_MAP.replace(from, to);
    expect(text).not.toBe(PEOPLE_MAP);
    expect(problemsOf(text)).toContainEqual(
      expect.objectContaining({ path, message: expect.stringMatching(message) }),
    );
  });

  it('refuses an identity kind that is SQL, at parse', () => {
    const problems = problemsOf(
      PEOPLE_MAP.replace('  device: {}', '  "device\'; DROP TABLE hostile.x; --": {}'),
    );
    // Refused as a record key: the path names it (zod gives its generic message for keys).
    expect(problems.map((p) => p.path)).toContain("identities.device'; DROP TABLE hostile.x; --");
  });

  it('leaves the database untouched by every refused map', async () => {
    expect(Object.keys(await fingerprint())).toEqual(['notes', 'people', 'x']);
  });
});

describe('Data map checked against the live catalog before any query', () => {
  it('refuses unknown tables and columns with close matches, using a role that may read no table', async () => {
    await database.exec(`CREATE ROLE rel_catalog_only LOGIN PASSWORD 'rel_catalog_only'`);
    const url = new URL(database.dsn);
    url.username = 'rel_catalog_only';
    url.password = 'rel_catalog_only';
    const restricted = openDatabase(url.toString());
    try {
      // A data query by this role would fail with "permission denied", not with a data map problem.
      const cases = [
        {
          map: PEOPLE_MAP.replace('phone: phone,', 'phone: phnoe,'),
          path: 'postgres[0].identities.phone',
          message: /phnoe does not exist in hostile\.people\. Did you mean phone\?/,
        },
        {
          map: PEOPLE_MAP.replace('table: hostile.notes', 'table: hostile.nots'),
          path: 'postgres[1].table',
          message: /hostile\.nots does not exist\. Did you mean hostile\.notes\b/,
        },
        {
          map: PEOPLE_MAP.replace('hostile.people.id }', 'hostile.people.idd }'),
          path: 'postgres[1].follow.person_id',
          message: /hostile\.people\.idd does not exist\. Did you mean id\?/,
        },
      ];
      for (const { map, path, message } of cases) {
        expect(map).not.toBe(PEOPLE_MAP);
        expect(await catalogProblems(map, restricted)).toEqual([
          { path, message: expect.stringMatching(message) },
        ]);
      }
    } finally {
      await restricted.end();
    }
  });

  it('refuses a uuid column following an integer key, naming both types', async () => {
    await database.exec(
      'CREATE TABLE hostile.sessions (id int PRIMARY KEY, person_ref uuid); INSERT INTO hostile.sessions VALUES (1, NULL)',
    );
    const problems = await catalogProblems(
      `${PEOPLE_MAP}  - table: hostile.sessions
    primaryKey: [id]
    follow: { person_ref: hostile.people.id }
`,
    );
    expect(problems).toEqual([
      {
        path: 'postgres[2].follow.person_ref',
        message: 'hostile.sessions.person_ref (uuid) cannot be compared with hostile.people.id (integer)',
      },
    ]);
  });

  it('refuses a key the table does not have, and an empty key, saying so; accepts a keyless table', async () => {
    await database.exec('CREATE TABLE hostile.keyless (person_id int, note text)');
    const problems = await catalogProblems(
      `${PEOPLE_MAP}  - table: hostile.keyless
    primaryKey: [person_id]
    follow: { person_id: hostile.people.id }
`,
    );
    expect(problems).toEqual([
      {
        path: 'postgres[2].primaryKey',
        message:
          '[person_id] is not the primary key of hostile.keyless nor a unique index over NOT NULL columns (it has no primary key; a unique index left invalid, one whose collation differs from a nondeterministic column collation, and a NOT NULL added NOT VALID do not count)',
      },
    ]);
    // A keyless table is declared by omitting primaryKey: its rows are then keyed by their content.
    const keyless = parseDataMap(
      `${PEOPLE_MAP}  - table: hostile.keyless
    follow: { person_id: hostile.people.id }
`,
      'hostile.yaml',
    );
    await expect(PostgresTableSearcher.create(db, keyless, 'hostile.yaml')).resolves.toBeInstanceOf(
      PostgresTableSearcher,
    );
    // An empty key is refused before the catalog is read.
    const parsed = problemsOf(`${PEOPLE_MAP}  - table: hostile.keyless
    primaryKey: []
    follow: { person_id: hostile.people.id }
`);
    expect(parsed).toEqual([
      expect.objectContaining({
        path: 'postgres[2].primaryKey',
        message: 'at least one column; omit primaryKey for a table without one',
      }),
    ]);
  });

  it('refuses a key that is only a unique index over a nullable column', async () => {
    await database.exec('CREATE TABLE hostile.badges (code text UNIQUE, person_id int)');
    const problems = await catalogProblems(
      `${PEOPLE_MAP}  - table: hostile.badges
    primaryKey: [code]
    follow: { person_id: hostile.people.id }
`,
    );
    expect(problems.map((p) => p.path)).toEqual(['postgres[2].primaryKey']);
  });
});

describe('Data map: legal shapes that must keep working', () => {
  it('follows a text column to an integer key: values the key cannot hold match nothing and break nothing', async () => {
    await database.exec(`
      CREATE TABLE hostile.imports (id int PRIMARY KEY, person_ref text);
      INSERT INTO hostile.imports VALUES (1, '2'), (2, 'not-a-number'), (3, '99999999999999999999'), (4, '1; DROP TABLE hostile.x');`);
    const map = `${PEOPLE_MAP}  - table: hostile.imports
    primaryKey: [id]
    identities: { user_id: person_ref }
`;
    const { document } = await discoverWith(db, map, { user_id: ['2'] });
    expect(document.findings.map((f) => `${f.table}:${f.key.id}`)).toEqual([
      'hostile.imports:1',
      'hostile.notes:11',
      'hostile.people:2',
    ]);
    const hostile = await discoverWith(db, map, {
      user_id: ['not-a-number', '99999999999999999999', '1; DROP TABLE hostile.x'],
    });
    // Each value is found only where a column holds it as text; the integer key never casts it.
    expect(hostile.document.findings.map((f) => `${f.table}:${f.key.id}`)).toEqual([
      'hostile.imports:2',
      'hostile.imports:3',
      'hostile.imports:4',
    ]);
  });

  it('terminates on a self-referencing cycle and a follow edge to a non-key column, finding the right rows', async () => {
    await database.exec(`
      CREATE TABLE hostile.invoices (id int PRIMARY KEY, billed_email text);
      INSERT INTO hostile.invoices VALUES (100, 'ana@example.com'), (101, 'cy@example.com'), (102, 'nobody@example.com');
      UPDATE hostile.people SET referred_by = 3 WHERE id = 1;`);
    try {
      const map = `version: 1
identities:
  user_id: {}
postgres:
  - table: hostile.people
    primaryKey: [id]
    identities: { user_id: id }
    follow: { referred_by: hostile.people.id }
  - table: hostile.invoices
    primaryKey: [id]
    follow: { billed_email: hostile.people.email }
`;
      // 1 → referred by 3 → referred by 2 → referred by 1: a cycle through one table.
      const { document, rounds } = await discoverWith(db, map, { user_id: ['1'] });
      expect(rounds).toBeLessThan(10);
      expect(document.findings.map((f) => `${f.table}:${f.key.id}`)).toEqual([
        'hostile.invoices:100',
        'hostile.invoices:101',
        'hostile.people:1',
        'hostile.people:2',
        'hostile.people:3',
      ]);
    } finally {
      await database.exec('UPDATE hostile.people SET referred_by = NULL WHERE id = 1');
    }
  });
});

describe('Discovery on PostgreSQL with hostile identifier values', () => {
  const long = `${'Lo'.repeat(4_994)}@example.com`;
  const HOSTILE = {
    email: [
      "' OR 1=1 --",
      '"; DROP TABLE hostile.people; --',
      "ana@example.com' --",
      'ana@example.com\u0000',
      '%@example.com',
      '.*',
      '\u202emoc.elpmaxe@ana',
      long,
      long.toUpperCase(),
    ],
    user_id: ['1 OR 1=1', '1; DELETE FROM hostile.people', "1'--", '\u00001', '-0x1', '1e0', long],
    phone: ["'; SELECT pg_sleep(5); --", 'DROP TABLE hostile.notes', long],
    device: ["00000000-0000-4000-8000-000000000001' OR '1'='1", '\u0000', long],
  };

  it('finds nothing, fails nothing and changes nothing', async () => {
    const before = await fingerprint();
    const started = Date.now();
    const { document } = await discoverWith(db, PEOPLE_MAP, HOSTILE);
    expect(document.findings).toEqual([]);
    expect(document.counts.postgres).toEqual({ 'hostile.notes': 0, 'hostile.people': 0 });
    // No injected pg_sleep ran.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await fingerprint()).toEqual(before);
  });

  it('still finds the subject when hostile values come with a real one, and only the subject', async () => {
    const { document } = await discoverWith(db, PEOPLE_MAP, {
      ...HOSTILE,
      email: [...HOSTILE.email, 'ANA@example.com'],
    });
    expect(document.findings.map((f) => `${f.table}:${f.key.id}`)).toEqual([
      'hostile.notes:10',
      'hostile.people:1',
    ]);
  });

  it('does not match a stored U+FFFD with a lone surrogate in the searched value', async () => {
    // Row 4 holds a replacement character; a lone surrogate is not that character, but UTF-8 encoding
    // on the way to the server turns it into one.
    const { document } = await discoverWith(db, PEOPLE_MAP, {
      email: ['lone\ud800surrogate@example.com'],
    });
    expect(document.findings).toEqual([]);
  });
});
