import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDsr } from '../../support/cliProgram';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

const MAP = `version: 1
identities: { email: { normalize: lowercase }, customer_id: {} }
postgres:
  - table: public.customers
    primaryKey: [id]
    identities: { email: email, customer_id: id }
  - table: public.tickets
    primaryKey: [id]
    identities: { customer_id: customer_id }
    erasure: delete
`;

let db: TestDatabase;
let mapFile: string;

beforeAll(async () => {
  db = await createTestDatabase('fits_no_column');
  await db.exec(`CREATE TABLE public.customers (id int PRIMARY KEY, email text NOT NULL);
    CREATE TABLE public.tickets (id int PRIMARY KEY, customer_id bigint);
    INSERT INTO public.customers VALUES (7, 'ana@x.test');
    INSERT INTO public.tickets VALUES (70, 7);`);
  mapFile = join(await mkdtemp(join(tmpdir(), 'dsr-fits-')), 'map.yaml');
  await writeFile(mapFile, MAP);
}, 60_000);

afterAll(async () => {
  await db?.drop();
  if (mapFile) await rm(dirname(mapFile), { recursive: true, force: true });
});

const env = () => ({
  PG_DSN: db.dsn,
  DSR_SUBJECT_HASH_KEY: 'k'.repeat(32),
  SNOWFLAKE_ACCOUNT: undefined,
  DSR_ERASURE_STATE_DIR: join(dirname(mapFile), 'state'),
});

describe('Commands: dsr discover and dsr erase refuse a subject value no mapped column can hold', () => {
  it('exits 2 naming the kind and its columns, never the value, instead of answering "0 rows"', async () => {
    // Act
    const letters = await runDsr(['discover', '--datamap', mapFile, '--subject', 'customer_id=abc7'], env());
    const spaced = await runDsr(['discover', '--datamap', mapFile, '--subject', 'customer_id= 7 '], env());
    const erase = await runDsr(
      ['erase', '--dry-run', '--datamap', mapFile, '--subject', 'customer_id=abc7'],
      env(),
    );
    const fits = await runDsr(['discover', '--datamap', mapFile, '--subject', 'customer_id=7'], env());

    // Assess
    const message =
      'dsr: --subject customer_id: the value fits no column mapped to customer_id (public.customers.id, public.tickets.customer_id): check it, e.g. for spaces or letters in a number\n';
    expect(letters).toMatchObject({ code: 2, stdout: '', stderr: message });
    expect(spaced).toMatchObject({ code: 2, stdout: '', stderr: message });
    expect(erase).toMatchObject({ code: 2, stderr: message });
    expect(fits.code).toBe(0);
    expect(JSON.parse(fits.stdout).counts).toEqual({
      postgres: { 'public.customers': 1, 'public.tickets': 1 },
    });
  });
});
