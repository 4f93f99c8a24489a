import { describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { checkPostgresCatalog } from '../../../shared/postgres/checkPostgresCatalog';
import { type PgTable, readPgCatalog } from '../../../shared/postgres/readPgCatalog';
import { discoverWith } from '../../support/discovery';
import { erasePg, snapshotOthers, useErasureDatabase } from '../../support/erasureFixture';

/**
 * Identity columns under a case- and accent-insensitive collation: Ana is jose@x.test, Ben is
 * josé@x.test, and the collation holds the two addresses equal.
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app;
  CREATE COLLATION app.ci_ai (provider = icu, locale = 'und-u-ks-level1', deterministic = false);
  CREATE TABLE app.newsletter (email text COLLATE app.ci_ai NOT NULL, topic text);
  CREATE TABLE app.tickets (id int PRIMARY KEY, requester text COLLATE app.ci_ai NOT NULL, body text);
  INSERT INTO app.newsletter VALUES ('jose@x.test', 'ana topic'), ('josé@x.test', 'ben topic');
  INSERT INTO app.tickets VALUES (1, 'jose@x.test', 'ana ticket'), (2, 'josé@x.test', 'ben ticket'),
    (3, 'JOSE@x.test', 'ana again');
`;

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.newsletter
    identities: { email: email }
    erasure: delete
  - table: app.tickets
    primaryKey: [id]
    identities: { email: requester }
    erasure: { action: mask, columns: { requester: hash, body: { redact: "[erased]" } } }
`;

const ANA = { email: ['jose@x.test'] };
const BEN = { 'app.newsletter': "topic = 'ben topic'", 'app.tickets': 'id = 2' };
const scratch = useErasureDatabase('erase_loose_collation', SCHEMA, { freshPool: true });

describe('Identity columns under a nondeterministic collation', () => {
  it("answers Ana with her rows, compared byte for byte after her kind's normalisation, and not Ben's", async () => {
    // Act
    const { document } = await discoverWith(scratch.db, MAP, ANA);

    // Assess: before, Ben's newsletter row and ticket were in Ana's answer.
    expect(document.findings.map((f) => [f.table, f.row.topic ?? f.row.body])).toEqual([
      ['app.newsletter', 'ana topic'],
      ['app.tickets', 'ana ticket'],
      ['app.tickets', 'ana again'],
    ]);
  });

  it("erases Ana's rows and leaves Ben's byte for byte", async () => {
    // Prepare
    const before = await snapshotOthers(scratch.test, BEN);

    // Act
    const result = await erasePg(scratch.db, MAP, ANA);

    // Assess: before, Ben's newsletter row was deleted and his ticket masked, with "erased".
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    expect(await snapshotOthers(scratch.test, BEN)).toEqual(before);
    expect(
      await snapshotOthers(scratch.test, {
        'app.newsletter': "topic = 'ana topic'",
        'app.tickets': "body LIKE 'ana%'",
      }),
    ).toEqual({ 'app.newsletter': [], 'app.tickets': [] });
  });
});

describe('Identity columns under a Turkish collation', () => {
  it("finds IVAN@x.test for ivan@x.test, lowering it as the request is lowered (not to ıvan), and erases Ivan's rows only", async () => {
    // Prepare
    await scratch.test.exec(`
      CREATE TABLE app.users (id int PRIMARY KEY, email text COLLATE "tr-x-icu" NOT NULL UNIQUE, name text);
      CREATE TABLE app.orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES app.users (id), item text);
      INSERT INTO app.users VALUES (1, 'IVAN@x.test', 'Ivan'), (2, 'ben@x.test', 'Ben');
      INSERT INTO app.orders VALUES (10, 1, 'ivan book'), (20, 2, 'ben book');
    `);
    const map = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.users
    primaryKey: [id]
    identities: { email: email }
    erasure: delete
  - table: app.orders
    primaryKey: [id]
    follow: { user_id: app.users.id }
    erasure: delete
`;
    const others = { 'app.users': 'id = 2', 'app.orders': 'user_id = 2' };
    const before = await snapshotOthers(scratch.test, others);

    // Act
    const { document } = await discoverWith(scratch.db, map, { email: ['ivan@x.test'] });
    const result = await erasePg(scratch.db, map, { email: ['ivan@x.test'] });

    // Assess: before, PostgreSQL lowered IVAN@ to ıvan@: nothing was found, and "erased" was reported
    // with both of Ivan's rows left.
    expect(document.findings.map((f) => `${f.table} ${JSON.stringify(f.key)}`)).toEqual([
      'app.orders {"id":10}',
      'app.users {"id":1}',
    ]);
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    expect(
      await snapshotOthers(scratch.test, { 'app.users': 'id = 1', 'app.orders': 'user_id = 1' }),
    ).toEqual({ 'app.users': [], 'app.orders': [] });
    expect(await snapshotOthers(scratch.test, others)).toEqual(before);
  });

  it('reads the column as Turkish, and refuses a lowercased kind on it where the server has no ICU root collation', async () => {
    // Prepare
    await scratch.test.exec(
      `CREATE TABLE app.people (id int PRIMARY KEY, email text COLLATE "tr-x-icu" NOT NULL)`,
    );
    const map = parseDataMap(
      `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.people
    primaryKey: [id]
    identities: { email: email }
`,
      'test.yaml',
    );
    const catalog = await readPgCatalog(scratch.db, ['app']);
    const people = catalog.tables.get('app.people') as PgTable;
    const withoutRoot = {
      tables: new Map([
        ['app.people', { ...people, columns: people.columns.map((c) => ({ ...c, caseCollation: null })) }],
      ]),
    };

    // Act and assess
    expect(people.columns.find((c) => c.name === 'email')?.caseCollation).toBe('und-x-icu');
    expect(people.columns.find((c) => c.name === 'id')?.caseCollation).toBeUndefined();
    expect(checkPostgresCatalog(map, catalog)).toEqual([]);
    expect(checkPostgresCatalog(map, withoutRoot).map((p) => p.message)).toEqual([
      expect.stringContaining(
        'app.people.email is under a Turkish or Azeri collation, whose lower() turns I into ı',
      ),
    ]);
  });
});
