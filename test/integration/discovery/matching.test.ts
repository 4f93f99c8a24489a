import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { matchExpression } from '../../../shared/postgres/matchExpression';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { readPgCatalog } from '../../../shared/postgres/readPgCatalog';
import { discoverWith, openDatabase } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

/**
 * Matching by the column's type and the identity kind's normalisation, on shapes real estates
 * have: addresses in `inet`/`cidr`, identifiers inside arrays, values stored with stray white
 * space or decomposed accents, `json` (not `jsonb`) documents holding `\u0000`, no foreign keys.
 */
const SCHEMA = `
CREATE TABLE public.logins (id int PRIMARY KEY, ip inet);
CREATE TABLE public.blocklist (id int PRIMARY KEY, net cidr);
CREATE TABLE public.contacts (id int PRIMARY KEY, emails varchar(200)[], handles text[]);
CREATE TABLE public.customers (id int PRIMARY KEY, email text);
CREATE TABLE public.people (id int PRIMARY KEY, full_name text);
CREATE TABLE public.notes (id int PRIMARY KEY, author text, body json);
INSERT INTO public.logins VALUES
  (1, '203.0.113.7'), (2, '203.0.113.70'), (3, '203.0.113.0/24'), (4, '2001:db8::1'), (5, NULL),
  (6, '::ffff:203.0.113.7'), (7, '198.51.100.7');
INSERT INTO public.blocklist VALUES (1, '203.0.113.7/32'), (2, '203.0.113.0/24'), (3, '2001:db8::/32');
INSERT INTO public.contacts VALUES
  (1, ARRAY['work@corp.example', ' Ana.Lopez@Example.COM'], ARRAY['@ana', '@ana_l']),
  (2, ARRAY['ana.lopez@example.com.evil'], ARRAY['@anab']),
  (3, '{}', NULL),
  (4, ARRAY[NULL, 'ANA.LOPEZ@EXAMPLE.COM'], ARRAY['@bob', NULL]),
  (5, ARRAY['{ana.lopez@example.com}'], ARRAY['{@ana}']);
INSERT INTO public.customers VALUES
  (1, '  ana.lopez@example.com '), (2, E'ana.lopez@example.com\\t'), (3, 'xana.lopez@example.com'),
  (4, 'bob@example.com'), (5, 'ana.lopez@example.co m');
INSERT INTO public.people VALUES
  (1, E'Jos\\u0065\\u0301 N\\u0075\\u0301n\\u0303ez'), (2, 'Someone Else'), (3, 'Jose Nunez'),
  (4, E'jos\\u00e9 n\\u00fa\\u00f1ez  '), (5, 'Jos\u00e9');
INSERT INTO public.notes VALUES
  (1, 'ana.lopez@example.com', '{"text": "before\\u0000after", "n": 1.50e1}'),
  (2, 'ana.lopez@example.com', '{"a": 1, "a": 2}'),
  (3, 'ana.lopez@example.com', '{"broken": "\\ud800"}'),
  (4, 'bob@example.com', '{"text": "\\u0000"}'),
  (5, 'ana.lopez@example.com', '[1e2, -0, "plain"]');
`;

const MAP = `
version: 1
identities:
  email: { normalize: lowercase }
  name: { normalize: lowercase }
  ip: {}
  handle: {}
postgres:
  - table: public.logins
    primaryKey: [id]
    identities: { ip: ip }
  - table: public.blocklist
    primaryKey: [id]
    identities: { ip: net }
  - table: public.contacts
    primaryKey: [id]
    identities: { email: emails, handle: handles }
  - table: public.customers
    primaryKey: [id]
    identities: { email: email }
  - table: public.people
    primaryKey: [id]
    identities: { name: full_name }
  - table: public.notes
    primaryKey: [id]
    identities: { email: author }
`;

let database: TestDatabase;
let db: PgDatabase;

beforeAll(async () => {
  database = await createTestDatabase('match');
  await database.exec(SCHEMA);
  db = openDatabase(database.dsn);
});

afterAll(async () => {
  await db.end();
  await database.drop();
});

/** The primary keys found per table, so a test fails on a missing row and on an extra one. */
async function keysFound(identifiers: Record<string, string[]>) {
  const { document } = await discoverWith(db, MAP, identifiers);
  const keys: Record<string, unknown[]> = {};
  for (const f of document.findings) keys[f.table] = [...(keys[f.table] ?? []), f.key.id];
  return { keys, document };
}

describe('Matching by column type', () => {
  it('finds an inet address however it is written, and no network or other address', async () => {
    for (const spelling of ['203.0.113.7']) {
      const { keys } = await keysFound({ ip: [spelling] });
      expect(keys).toEqual({ 'public.logins': [1], 'public.blocklist': [1] });
    }
    const v6 = await keysFound({ ip: ['2001:DB8:0:0:0:0:0:1'] });
    expect(v6.keys).toEqual({ 'public.logins': [4] });
    const mapped = await keysFound({ ip: ['::ffff:203.0.113.7'] });
    expect(mapped.keys).toEqual({ 'public.logins': [6] });
  });

  it('drops values an inet column cannot hold instead of failing the search', async () => {
    const { keys, document } = await keysFound({
      ip: ['203.0.113', 'not an address', 'fe80::1%eth0', '203.0.113.7/24', '198.51.100.7'],
    });
    expect(keys).toEqual({ 'public.logins': [7] });
    expect(document.counts.postgres).toMatchObject({ 'public.blocklist': 0, 'public.logins': 1 });
  });

  it('finds an identifier inside a text array, by element, never by the array text', async () => {
    const { keys } = await keysFound({ handle: ['@ana'] });
    expect(keys).toEqual({ 'public.contacts': [1] });
    const braces = await keysFound({ handle: ['{@ana}'] });
    expect(braces.keys).toEqual({ 'public.contacts': [5] });
  });

  it('normalises each element of a varchar array like the request (trim, NFC, case)', async () => {
    const { keys } = await keysFound({ email: ['ana.lopez@example.com'] });
    expect(keys['public.contacts']).toEqual([1, 4]);
  });
});

describe('Matching with normalisation on both sides', () => {
  it('finds an email stored with surrounding white space, and nothing that merely contains it', async () => {
    const { keys } = await keysFound({ email: ['ANA.LOPEZ@example.com'] });
    expect(keys['public.customers']).toEqual([1, 2]);
  });

  it('finds a name stored decomposed (NFD) for a request written composed (NFC), in any case', async () => {
    const composed = 'JOS\u00c9 N\u00da\u00d1EZ';
    expect(composed.normalize('NFC')).toBe(composed);
    const { keys } = await keysFound({ name: [composed] });
    expect(keys).toEqual({ 'public.people': [1, 4] });
    const decomposed = await keysFound({ name: [composed.normalize('NFD')] });
    expect(decomposed.keys).toEqual(keys);
  });

  it('gives the same subject hash for composed and decomposed spellings', async () => {
    const a = await keysFound({ name: ['Jos\u00e9'] });
    const b = await keysFound({ name: ['Jose\u0301 '] });
    expect(a.document.subject.hash).toBe(b.document.subject.hash);
    expect(a.keys).toEqual({ 'public.people': [5] });
  });
});

describe('Rows that cannot be read', () => {
  it('reads a json document holding \\u0000, reports a row with a lone surrogate, and finds the rest', async () => {
    const { keys, document } = await keysFound({ email: ['ana.lopez@example.com'] });
    expect(keys['public.notes']).toEqual([1, 2, 5]);
    const notes = document.findings.filter((f) => f.table === 'public.notes');
    expect(canonicalJson(notes.map((f) => f.row.body ?? null))).toBe(
      '[{"n":15.0,"text":"before\\u0000after"},{"a":2},[100,0,"plain"]]',
    );
    expect(document.unreadable).toEqual([
      {
        system: 'postgres',
        table: 'public.notes',
        key: { id: 3 },
        column: 'body',
        reason: 'ill_formed_unicode',
      },
    ]);
    expect(JSON.stringify(document.unreadable)).not.toContain('ud800');
  });

  it('reads json with the numbers and keys jsonb would give', async () => {
    const { document } = await keysFound({ email: ['ana.lopez@example.com'] });
    const asJsonb = await database.exec(
      `SELECT id, body::jsonb::text AS body FROM public.notes WHERE id IN (2, 5) ORDER BY id`,
    );
    const ours = document.findings.filter((f) => f.table === 'public.notes').map((f) => f.row.body ?? null);
    // jsonb refuses \u0000 (row 1 is pinned above); the others must read exactly as jsonb prints them.
    expect(ours.slice(1).map((v) => canonicalJson(v))).toEqual(
      asJsonb.rows.map((r: { body: string }) => canonicalJson(JSON.parse(r.body))),
    );
  });

  it('leaves the document without an unreadable list when every row reads', async () => {
    const { document } = await keysFound({ email: ['bob@example.com'] });
    expect(document.unreadable).toBeUndefined();
    expect(document.findings.map((f) => `${f.table}:${String(f.key.id)}`)).toEqual([
      'public.customers:4',
      'public.notes:4',
    ]);
  });
});

describe('Indexes the match expressions can use', () => {
  it('serves a normalised identity from an expression index and an array from a GIN index', async () => {
    const catalog = await readPgCatalog(db, ['public']);
    const column = (table: string, name: string) => {
      const c = catalog.tables.get(table)?.columns.find((x) => x.name === name);
      if (!c) throw new Error(`${table}.${name} missing`);
      return c;
    };
    const email = matchExpression(column('public.customers', 'email'), 'lowercase', `'{a@b.c}'::text[]`);
    const handles = matchExpression(column('public.contacts', 'handles'), 'none', `'{@a}'::text[]`);
    const ip = matchExpression(column('public.logins', 'ip'), 'none', `'{203.0.113.7}'::inet[]`);
    expect([email.kind, handles.kind, ip.kind]).toEqual(['normalized', 'array-overlap', 'typed']);
    await database.exec(
      `CREATE INDEX customers_email_match ON public.customers ((${email.indexExpression}))`,
    );
    await database.exec(
      `CREATE INDEX contacts_handles_match ON public.contacts USING gin (${handles.indexExpression})`,
    );
    await database.exec('CREATE INDEX logins_ip ON public.logins (ip)');
    const plan = async (sql: string) => {
      const rows = await database.exec(`SET enable_seqscan = off; EXPLAIN (COSTS OFF) ${sql}`);
      const result = Array.isArray(rows) ? rows[1] : rows;
      return result.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
    };
    expect(await plan(`SELECT id FROM public.customers WHERE ${email.condition}`)).toContain(
      'customers_email_match',
    );
    expect(await plan(`SELECT id FROM public.contacts WHERE ${handles.condition}`)).toContain(
      'contacts_handles_match',
    );
    expect(await plan(`SELECT id FROM public.logins WHERE ${ip.condition}`)).toContain('logins_ip');
  });
});
