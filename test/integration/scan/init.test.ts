import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { registerDatamapInit } from '../../../cli/commands/datamapInit';
import { checkDataMapStructure } from '../../../shared/datamap/checkDataMapStructure';
import { dataMapWarnings } from '../../../shared/datamap/dataMapWarnings';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { initDataMap } from '../../../shared/datamapInit/initDataMap';
import { renderInitialDataMap } from '../../../shared/datamapInit/renderInitialDataMap';
import { checkPostgresCatalog } from '../../../shared/postgres/checkPostgresCatalog';
import { DsnCredentialSource } from '../../../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { readPgCatalog } from '../../../shared/postgres/readPgCatalog';
import type { CatalogSource, ScanTable } from '../../../shared/scan/ScanSource';
import { restoreEnv } from '../../support/environment';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';

let test: TestDatabase;
let db: PgDatabase;
const planted: string[] = [];

beforeAll(async () => {
  test = await createTestDatabase('init');
  await test.exec(`
    CREATE SCHEMA shop;
    CREATE TABLE shop.users (
      id bigint PRIMARY KEY, email text NOT NULL, full_name text, mobile text, password_hash text,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE shop.orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES shop.users (id), total numeric(12, 2));
    CREATE TABLE shop.order_lines (
      order_id bigint NOT NULL REFERENCES shop.orders (id), line_no int NOT NULL, sku text,
      PRIMARY KEY (order_id, line_no)
    );
    CREATE TABLE shop.shipments (
      id bigint PRIMARY KEY, order_id bigint, line_no int, carrier text,
      CONSTRAINT shipments_line_fkey FOREIGN KEY (order_id, line_no) REFERENCES shop.order_lines (order_id, line_no)
    );
    CREATE TABLE shop.newsletter (id bigint PRIMARY KEY, contact text NOT NULL, topic text);
    CREATE TABLE shop.events (id bigint PRIMARY KEY, customer_id bigint, kind text);
    CREATE TABLE shop.audit_log (at timestamptz, message text);
    CREATE TABLE shop.countries (code char(2) PRIMARY KEY, label text);
    CREATE VIEW shop.v_users AS SELECT id, email FROM shop.users;
  `);
  for (let i = 1; i <= 30; i++) {
    const email = `member${i}.init@subscriber-example.org`;
    const contact = `reader${i}.init@letters-example.net`;
    const phone = `+44 7700 9${String(10000 + i).slice(-5)}`;
    planted.push(email, contact, phone);
    await test.exec('INSERT INTO shop.users (id, email, full_name, mobile) VALUES ($1, $2, $3, $4)', [
      i,
      email,
      `Member ${i}`,
      phone,
    ]);
    await test.exec('INSERT INTO shop.newsletter VALUES ($1, $2, $3)', [i, contact, 'weekly']);
  }
  db = new PgDatabase({ credentials: new DsnCredentialSource(test.dsn) });
});

/** Temporary directories the cases write to, removed when the file ends. */
const tempDirs: string[] = [];

afterAll(async () => {
  await db?.end();
  await test?.drop();
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('Function: initDataMap', () => {
  it('proposes a map that parses and matches the live catalog', async () => {
    const yaml = renderInitialDataMap(await initDataMap(db, { schemas: ['shop'] }), 'the PostgreSQL catalog');
    const map = parseDataMap(yaml, 'proposed.yaml');
    expect(checkPostgresCatalog(map, await readPgCatalog(db, ['shop']))).toEqual([]);
    expect(checkDataMapStructure(map)).toEqual([]);
    expect(dataMapWarnings(map)).toEqual([]);
  });

  it('infers keys from constraints, follow edges from foreign keys, identities from names and values', async () => {
    const map = parse(
      renderInitialDataMap(await initDataMap(db, { schemas: ['shop'] }), 'the PostgreSQL catalog'),
    );
    // biome-ignore lint/suspicious/noExplicitAny: the rendered YAML read as a plain document
    const table = (name: string): any => map.postgres.find((t: { table: string }) => t.table === name);
    expect(map.identities).toEqual({
      email: { normalize: 'lowercase' },
      phone: { normalize: 'digits' },
      user_id: { normalize: 'none' },
    });
    expect(table('shop.users')).toMatchObject({
      primaryKey: ['id'],
      identities: { user_id: 'id', email: 'email', phone: 'mobile' },
      learn: ['email', 'phone', 'user_id'],
      exclude: ['password_hash'],
    });
    expect(table('shop.users').follow).toBeUndefined();
    expect(table('shop.orders')).toEqual({
      table: 'shop.orders',
      primaryKey: ['id'],
      follow: { user_id: 'shop.users.id' },
      // What the subject's package says: stubs for a person to fill in.
      disclosure: {
        title: expect.stringMatching(/^TODO/),
        purposes: [expect.stringMatching(/^TODO/)],
        retention: expect.stringMatching(/^TODO/),
        source: expect.stringMatching(/^TODO/),
      },
    });
    expect(map.controller.name).toMatch(/^TODO/);
    // Nothing is said for the controller about transfers or automated decisions: an empty list
    // would tell the subject there are none.
    expect(map.controller).not.toHaveProperty('transfers');
    expect(map.controller).not.toHaveProperty('automatedDecisions');
    expect(table('shop.order_lines')).toMatchObject({
      primaryKey: ['order_id', 'line_no'],
      follow: { order_id: 'shop.orders.id' },
    });
    // A composite foreign key gives one edge per column pair.
    expect(table('shop.shipments')?.follow).toEqual({
      order_id: 'shop.order_lines.order_id',
      line_no: 'shop.order_lines.line_no',
    });
    // No name hint: the sampled values show the column holds e-mail addresses.
    expect(table('shop.newsletter')?.identities).toEqual({ email: 'contact' });
    // A newsletter row is no person table: nothing refers to it, so it learns nothing.
    expect(table('shop.newsletter')?.learn).toBeUndefined();
    // events.customer_id names no table here: it is neither an identity kind nor an edge.
    expect(map.postgres.map((t: { table: string }) => t.table).sort()).toEqual([
      'shop.newsletter',
      'shop.order_lines',
      'shop.orders',
      'shop.shipments',
      'shop.users',
    ]);
  });

  it('says in comments why each entry was inferred and which tables were left out', async () => {
    const yaml = renderInitialDataMap(await initDataMap(db, { schemas: ['shop'] }), 'the PostgreSQL catalog');
    expect(yaml).toMatch(/^# {3}shop\.audit_log: no identity column found/m);
    expect(yaml).toMatch(/^# {3}shop\.countries: no identity column found/m);
    expect(yaml).toMatch(/^# {3}shop\.events: no identity column found/m);
    expect(yaml).toContain('primaryKey: [order_id, line_no] # primary key constraint');
    expect(yaml).toContain(
      'line_no: shop.order_lines.line_no # foreign key shipments_line_fkey (column 2 of 2)',
    );
    expect(yaml).toContain('email: contact # 30 of 30 sampled values look like e-mail addresses');
    expect(yaml).toContain('- password_hash # looks like a credential');
    expect(yaml).not.toContain('v_users');
    const leaked = planted.filter((v) => yaml.toLowerCase().includes(v.toLowerCase()));
    expect(leaked).toEqual([]);
  });

  it('proposes Snowflake mirrors matched by table name, preferring the same schema name', async () => {
    const snowflake: CatalogSource = {
      system: 'snowflake',
      listTables: async () =>
        [
          'ANALYTICS.SHOP.USERS',
          'ANALYTICS.SHOP.ORDERS',
          'ARCHIVE.PUBLIC.ORDERS',
          'ANALYTICS.SHOP.OTHER',
        ].map(
          (table): ScanTable => ({
            system: 'snowflake',
            table,
            parts: table.split('.'),
            columns: [],
            estimatedRows: 0,
          }),
        ),
    };
    const proposal = await initDataMap(db, { schemas: ['shop'], snowflake });
    const yaml = renderInitialDataMap(proposal, 'the PostgreSQL and Snowflake catalogs');
    const mirrors = Object.fromEntries(proposal.postgres.map((t) => [t.table, t.mirror?.value]));
    expect(mirrors['shop.users']).toBe('ANALYTICS.SHOP.USERS');
    expect(mirrors['shop.orders']).toBe('ANALYTICS.SHOP.ORDERS');
    expect(mirrors['shop.newsletter']).toBeUndefined();
    expect(parse(yaml).postgres.find((t: { table: string }) => t.table === 'shop.users').mirror).toBe(
      'ANALYTICS.SHOP.USERS',
    );
    expect(yaml).toContain('mirror: ANALYTICS.SHOP.USERS # same table name in the Snowflake catalog');
  });
});

describe('Command: dsr datamap init', () => {
  it.each([
    ['--overlap-threshold', '0'],
    ['--overlap-threshold', '1.5'],
    ['--overlap-sample', '0'],
  ])('fails if %s is %s', async (flag, value) => {
    const program = new Command('dsr').exitOverride().configureOutput({ writeErr: () => undefined });
    registerDatamapInit(
      program
        .command('datamap')
        .exitOverride()
        .configureOutput({ writeErr: () => undefined }),
    );
    await expect(program.parseAsync(['datamap', 'init', flag, value], { from: 'user' })).rejects.toThrow(
      /must be a/,
    );
  });

  it('writes the proposed map to --out and says on stderr that only PostgreSQL was read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dsr-init-'));
    tempDirs.push(dir);
    const out = join(dir, 'proposed.yaml');
    let stderr = '';
    const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
    const saved = { dsn: process.env.PG_DSN, account: process.env.SNOWFLAKE_ACCOUNT };
    process.env.PG_DSN = test.dsn;
    delete process.env.SNOWFLAKE_ACCOUNT;
    try {
      const program = new Command('dsr').exitOverride();
      registerDatamapInit(program.command('datamap').exitOverride());
      await program.parseAsync(['datamap', 'init', '--schema', 'shop', '--out', out], { from: 'user' });
    } finally {
      errSpy.mockRestore();
      restoreEnv('PG_DSN', saved.dsn);
      if (saved.account !== undefined) process.env.SNOWFLAKE_ACCOUNT = saved.account;
    }
    const map = parseDataMap(await readFile(out, 'utf8'), out);
    expect(map.postgres).toHaveLength(5);
    expect(stderr).toContain('SNOWFLAKE_ACCOUNT is not set: only PostgreSQL was read');
  });
});
