import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { discoverSubject } from '../../../shared/discovery/discoverSubject';
import { checkPlan } from '../../../shared/erasure/checkPlan';
import { executePostgresErasure } from '../../../shared/erasure/executePostgresErasure';
import { planErasure } from '../../../shared/erasure/planErasure';
import { readErasureCatalog } from '../../../shared/erasure/readErasureCatalog';
import { DataMapError } from '../../../shared/errors/errors';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { openDatabase, TEST_HASH_KEY } from '../../support/discovery';
import { erasePg } from '../../support/erasureFixture';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

const SCHEMA = `
  CREATE TABLE public.person (id int PRIMARY KEY, email varchar(120) NOT NULL UNIQUE, alt_email varchar(120) UNIQUE,
    code varchar(8), name text NOT NULL, phone varchar(20) CHECK (phone ~ '^[0-9+ ]*$'), handle varchar(30) UNIQUE,
    token uuid UNIQUE, score int, note text, born date);
  CREATE TABLE public.mention (id int PRIMARY KEY, person_email varchar(120) REFERENCES public.person (email));
  INSERT INTO public.person VALUES
    (1, 'ana@x.test', 'ana.alt@x.test', 'A1', 'Ana', '+44 1', 'ana', '11111111-1111-4111-8111-111111111111', 7, 'vip', '1990-01-01'),
    (2, 'ben@x.test', 'ben.alt@x.test', 'B2', 'Ben', '+44 2', 'ben', '22222222-2222-4222-8222-222222222222', 8, 'new', '1991-01-01');
`;

const mapWith = (columns: string) => `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: public.person
    primaryKey: [id]
    identities: { email: email }
    erasure: { action: mask, columns: ${columns} }
`;

let pg: TestDatabase;
let db: PgDatabase;
beforeAll(async () => {
  pg = await createTestDatabase('mask');
  await pg.exec(SCHEMA);
  db = openDatabase(pg.dsn);
});
afterAll(async () => {
  await db.end();
  await pg.drop();
});

async function planFor(columns: string, email = 'ana@x.test') {
  const map = parseDataMap(mapWith(columns), 'test.yaml');
  const catalog = await readErasureCatalog(db, ['public']);
  const postgres = await PostgresTableSearcher.create(db, map, 'test.yaml');
  const { document } = await discoverSubject(
    { dataMap: map, searchers: { postgres }, subjectHashKey: TEST_HASH_KEY },
    { requestId: 'r', identifiers: { email: [email] } },
  );
  const planning = planErasure({ dataMap: map, catalog }, { findings: document });
  const deps = {
    db,
    dataMap: map,
    catalog,
    maskKey: 'mask-key',
    randomBytes: (n: number) => Buffer.alloc(n, 0xab),
  };
  return { ...planning, deps, document };
}

describe('Masking strategies against the live catalog', () => {
  it.each([
    ['{ name: null }', 'name', 'is NOT NULL: it cannot be masked with null'],
    ['{ handle: { redact: "x" } }', 'handle', 'is UNIQUE (with handle): a fixed redaction'],
    ['{ code: { redact: "[erased]!" } }', 'code', 'holds at most 8 characters: the redaction text is 9 long'],
    ['{ code: hash }', 'code', 'holds at most 8 characters: a keyed hash needs at least 16'],
    ['{ code: random }', 'code', 'holds at most 8 characters: a random value needs at least 16'],
    ['{ born: hash }', 'born', 'is date: a keyed hash needs a text or uuid column'],
    ['{ score: { redact: "x" } }', 'score', 'is integer: a fixed redaction needs a text column'],
    [
      '{ email: hash }',
      'email',
      'is referenced by public.mention (foreign key mention_person_email_fkey): it cannot be masked',
    ],
  ])('refuses %s before anything runs', async (columns, column, message) => {
    // Act
    const { problems } = await planFor(columns);

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({
        table: 'public.person',
        column,
        code: 'MASK_REFUSED',
        message: expect.stringContaining(message),
      }),
    ]);
    expect(JSON.stringify(problems)).not.toMatch(/ana|Ana/);
  });

  it('refuses to mask a primary-key column in the data map itself', () => {
    expect(() => parseDataMap(mapWith('{ id: hash }'), 'test.yaml')).toThrow(DataMapError);
    expect(() => parseDataMap(mapWith('{ id: hash }'), 'test.yaml')).toThrow(
      /id is a primary-key column: it cannot be masked/,
    );
  });

  it('evaluates a CHECK constraint on the masked value: a redaction the CHECK refuses stops the plan, null passes', async () => {
    // Act
    const redacted = await planFor('{ phone: { redact: "[erased]" } }');
    const nulled = await planFor('{ phone: null }');

    // Assess
    expect(redacted.problems).toEqual([]);
    expect(await checkPlan(redacted.deps, redacted.plan)).toEqual([
      expect.objectContaining({
        column: 'phone',
        code: 'CHECK_VIOLATED',
        message: expect.stringContaining('person_phone_check'),
      }),
    ]);
    expect(await checkPlan(nulled.deps, nulled.plan)).toEqual([]);
  });

  it('masks with null, redaction, a stable keyed hash fitted to the column, and random values of the column type', async () => {
    // Prepare
    const columns =
      '{ alt_email: hash, phone: null, note: { redact: "[erased]" }, token: random, score: random, handle: hash }';
    const { plan, problems, deps, document } = await planFor(columns);
    expect(problems).toEqual([]);
    expect(await checkPlan(deps, plan)).toEqual([]);

    // Act
    const result = await executePostgresErasure(deps, plan, { findings: document });

    // Assess
    expect(result).toMatchObject({
      outcome: 'done',
      steps: [{ table: 'public.person', action: 'mask', changed: 1 }],
    });
    const rows = (
      await pg.exec(
        'SELECT id, email, alt_email, phone, note, token::text, score, handle FROM public.person ORDER BY id',
      )
    ).rows;
    const hmac = (v: string) => createHmac('sha256', 'mask-key').update(canonicalJson(v)).digest('hex');
    expect(rows[0]).toEqual({
      id: 1,
      email: 'ana@x.test',
      alt_email: hmac('ana.alt@x.test'),
      phone: null,
      note: '[erased]',
      token: 'abababab-abab-4bab-abab-abababababab',
      score: expect.any(Number),
      handle: hmac('ana').slice(0, 30),
    });
    expect(rows[0].score).not.toBe(7);
    expect(rows[1]).toMatchObject({
      id: 2,
      alt_email: 'ben.alt@x.test',
      phone: '+44 2',
      note: 'new',
      handle: 'ben',
    });
  });

  it('counts a masked column changed since the plan to a value that only looks masked (digits) as a change, never as done', async () => {
    // Prepare: the plan, then another session writes digit strings (which are hex too) where the
    // masks would write 64 hex characters.
    const { plan, problems, deps, document } = await planFor('{ note: hash, alt_email: random }');
    expect(problems).toEqual([]);
    await pg.exec(`UPDATE public.person SET note = '123456789', alt_email = '5559876' WHERE id = 1`);

    // Act
    const result = await executePostgresErasure(deps, plan, { findings: document });

    // Assess: stale (planned again by eraseSubject), and the row as the other session left it.
    expect(result).toEqual({
      outcome: 'stale',
      stale: [{ system: 'postgres', table: 'public.person', rows: 1 }],
    });
    expect((await pg.exec('SELECT note, alt_email FROM public.person WHERE id = 1')).rows).toEqual([
      { note: '123456789', alt_email: '5559876' },
    ]);
  });

  it("ends erasure_unverified when the mask leaves an identity column holding the subject's identifier", async () => {
    // Act: a rule that masks the note and leaves the address the row is found by.
    const result = await erasePg(
      db,
      mapWith('{ note: { redact: "[erased]" } }'),
      { email: ['ana@x.test'] },
      {
        writeDb: db,
      },
    );

    // Assess
    expect(result).toMatchObject({
      outcome: 'executed',
      verification: {
        outcome: 'erasure_unverified',
        remaining: [
          { system: 'postgres', table: 'public.person', rows: 1, reason: 'identifier_in_unmasked_column' },
        ],
      },
    });
  });
});
