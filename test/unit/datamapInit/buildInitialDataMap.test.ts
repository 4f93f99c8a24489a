import { describe, expect, it } from 'vitest';
import {
  buildInitialDataMap,
  type InitInput,
  type MeasuredReference,
} from '../../../shared/datamapInit/buildInitialDataMap';
import type { InitialDataMap } from '../../../shared/datamapInit/InitialDataMap';
import type { PgTable } from '../../../shared/postgres/readPgCatalog';
import type { DetectorId } from '../../../shared/scan/detectors/Detector';
import type { Classification } from '../../../shared/scan/LocationTally';
import { catalogOf, table } from './catalogFixture';

const seen = (detector: DetectorId, n = 20): Classification => ({
  detector,
  basis: 'values',
  confidence: 0.9,
  samples: n,
  matches: n,
});

function ref(from: string, column: string, to: string, found: number, sampled = 100): MeasuredReference {
  return { table: from, column, target: to, targetColumn: 'id', overlap: { sampled, found } };
}

function build(
  tables: PgTable[],
  evidence: Record<string, Record<string, DetectorId>>,
  rest: Partial<InitInput> = {},
): InitialDataMap {
  return buildInitialDataMap({
    catalog: catalogOf(tables),
    baseTables: new Set(tables.map((t) => `${t.schema}.${t.name}`)),
    foreignKeys: [],
    columnEvidence: new Map(
      Object.entries(evidence).map(([t, cols]) => [
        t,
        new Map(Object.entries(cols).map(([c, d]) => [c, seen(d)])),
      ]),
    ),
    // Every column's sampled values unique, unless a test says otherwise.
    repeats: new Map(
      tables.flatMap((t) =>
        t.columns.map((c) => [`${t.schema}.${t.name}.${c.name}`, { sampled: 20, repeated: 0 }]),
      ),
    ),
    ...rest,
  });
}

const follows = (map: InitialDataMap) =>
  Object.fromEntries(
    map.postgres
      .filter((t) => t.follow.size > 0)
      .map((t) => [
        t.table,
        Object.fromEntries([...t.follow].map(([c, refs]) => [c, refs.map((r) => r.value)])),
      ]),
  );

const users = table('app.users', ['id int', 'email text'], ['id']);
const orders = table('app.orders', ['id int', 'user_id int', 'address_id int', 'status_id int'], ['id']);
const addresses = table('app.addresses', ['id int', 'street text'], ['id']);
const statuses = table('app.statuses', ['id int', 'label text'], ['id']);

describe('Function: buildInitialDataMap', () => {
  it('directs each edge the way the search reaches it', () => {
    const map = build(
      [users, orders, addresses, statuses],
      { 'app.users': { email: 'email' }, 'app.addresses': { street: 'postal_address' } },
      {
        nameReferences: [
          ref('app.orders', 'user_id', 'app.users', 100),
          ref('app.orders', 'address_id', 'app.addresses', 100),
          ref('app.orders', 'status_id', 'app.statuses', 100),
        ],
      },
    );
    expect(follows(map)).toEqual({
      'app.addresses': { id: ['app.orders.address_id'] },
      'app.orders': { user_id: ['app.users.id'] },
    });
    expect(map.leftOut).toEqual([
      {
        table: 'app.statuses',
        primaryKey: ['id'],
        reason:
          'referred to by app.orders but holds no personal data the sample showed, so it is not followed',
      },
    ]);
  });

  it('keeps a name reference at the overlap threshold and drops it below, saying why', () => {
    const input = (found: number, overlapThreshold?: number) =>
      build(
        [users, orders],
        { 'app.users': { email: 'email' } },
        {
          nameReferences: [ref('app.orders', 'user_id', 'app.users', found)],
          overlapThreshold,
        },
      );
    expect(follows(input(90))).toEqual({ 'app.orders': { user_id: ['app.users.id'] } });
    const dropped = input(89);
    expect(follows(dropped)).toEqual({});
    expect(dropped.postgres.map((t) => t.table)).toEqual(['app.users']);
    expect(dropped.leftOut[0]?.table).toBe('app.orders');
    expect(follows(input(89, 0.8))).toEqual({ 'app.orders': { user_id: ['app.users.id'] } });
    const empty = build(
      [users, orders],
      { 'app.users': { email: 'email' } },
      {
        nameReferences: [ref('app.orders', 'user_id', 'app.users', 0, 0)],
      },
    );
    expect(empty.leftOut.map((t) => t.table)).toEqual(['app.orders']);
  });

  it('writes the evidence of a foreign key and of a name on the edge', () => {
    const map = build(
      [users, orders, addresses],
      { 'app.users': { email: 'email' }, 'app.addresses': { street: 'postal_address' } },
      {
        foreignKeys: [
          {
            name: 'orders_user_fk',
            table: 'app.orders',
            columns: ['user_id'],
            references: 'app.users',
            referencedColumns: ['id'],
          },
        ],
        nameReferences: [ref('app.orders', 'address_id', 'app.addresses', 197, 200)],
      },
    );
    const reasons = map.postgres.flatMap((t) => [...t.follow.values()].flat().map((r) => r.reason));
    expect(reasons.sort()).toEqual([
      'foreign key orders_user_fk',
      'proposed from name address_id -> addresses.id; 197/200 sampled values found (98 %)',
    ]);
  });

  it('takes a key as an identity only from a table of people, and learns only there', () => {
    const tickets = table('app.tickets', ['id int', 'email text', 'cc_email text', 'user_id int'], ['id']);
    const comments = table('app.ticket_comments', ['id int', 'ticket_id int', 'body text'], ['id']);
    const map = build(
      [users, orders, tickets, comments],
      { 'app.users': { email: 'email' }, 'app.tickets': { email: 'email', cc_email: 'email' } },
      {
        nameReferences: [
          ref('app.orders', 'user_id', 'app.users', 100),
          ref('app.tickets', 'user_id', 'app.users', 100),
          ref('app.ticket_comments', 'ticket_id', 'app.tickets', 100),
        ],
      },
    );
    const entry = (name: string) => map.postgres.find((t) => t.table === name);
    expect([...map.identities.keys()]).toEqual(['email', 'user_id']);
    expect(entry('app.users')?.learn?.value).toEqual(['email', 'user_id']);
    // Tickets are referred to and hold e-mails, but they name a user: they mention several people.
    expect(entry('app.tickets')?.learn).toBeUndefined();
    expect([...(entry('app.tickets')?.identities ?? [])].map(([k, v]) => [k, v.map((c) => c.value)])).toEqual(
      [['email', ['email', 'cc_email']]],
    );
    expect(entry('app.orders')?.identities.size).toBe(0);
    expect(follows(map)['app.ticket_comments']).toEqual({ ticket_id: ['app.tickets.id'] });
  });

  it('never lets a learning table follow a reference: the row reached may be another person', () => {
    const customers = table('app.customers', ['id int', 'email text', 'employee_id int'], ['id']);
    const employees = table('app.employees', ['id int', 'work_email text'], ['id']);
    const invoices = table('app.invoices', ['id int', 'customer_id int'], ['id']);
    const map = build(
      [customers, employees, invoices],
      { 'app.customers': { email: 'email' }, 'app.employees': { work_email: 'email' } },
      {
        nameReferences: [
          ref('app.customers', 'employee_id', 'app.employees', 100),
          ref('app.invoices', 'customer_id', 'app.customers', 100),
        ],
      },
    );
    const entry = map.postgres.find((t) => t.table === 'app.customers');
    expect(entry?.learn?.value).toEqual(['customer_id', 'email']);
    expect(entry?.follow.size).toBe(0);
    expect(entry?.notes).toEqual([
      "employee_id is not followed to app.employees.id: app.customers learns identifiers, and a row reached through a reference may be another person's; app.employees is searched by its own identities",
    ]);
    expect(follows(map)).toEqual({ 'app.invoices': { customer_id: ['app.customers.id'] } });
  });

  it('keeps a keyless table, without a primary key', () => {
    const visits = table('app.visits', ['user_id int', 'page text']);
    const map = build(
      [users, visits],
      { 'app.users': { email: 'email' } },
      {
        nameReferences: [ref('app.visits', 'user_id', 'app.users', 40, 40)],
      },
    );
    const entry = map.postgres.find((t) => t.table === 'app.visits');
    expect(entry?.primaryKey).toBeUndefined();
    expect(entry?.notes).toEqual(['no primary key: searched without one, each found row listed in full']);
    expect(follows(map)['app.visits']).toEqual({ user_id: ['app.users.id'] });
  });

  it('proposes a table with child tables by inheritance without a key, saying why', () => {
    const notes = {
      ...table('app.notes', ['id int', 'user_id int', 'body text'], ['id']),
      inheritedBy: ['app.notes_old'],
    };
    const map = build(
      [users, notes],
      { 'app.users': { email: 'email' } },
      { nameReferences: [ref('app.notes', 'user_id', 'app.users', 40, 40)] },
    );
    const entry = map.postgres.find((t) => t.table === 'app.notes');
    expect(entry?.primaryKey).toBeUndefined();
    expect(map.leftOut).toEqual([]);
    expect(entry?.notes).toEqual([
      'child tables by inheritance (app.notes_old), whose rows a search of it reads too: searched without a key (none holds across them), each found row listed in full',
    ]);
  });

  it('leaves a child table by inheritance out when its parent is proposed: the parent reads its rows', () => {
    const notes = {
      ...table('app.notes', ['id int', 'user_id int', 'body text'], ['id']),
      inheritedBy: ['app.notes_old'],
    };
    const old = table('app.notes_old', ['id int', 'user_id int', 'body text']);
    const map = build(
      [users, notes, old],
      { 'app.users': { email: 'email' } },
      {
        nameReferences: [
          ref('app.notes', 'user_id', 'app.users', 40, 40),
          ref('app.notes_old', 'user_id', 'app.users', 40, 40),
        ],
      },
    );
    expect(map.postgres.map((t) => t.table).sort()).toEqual(['app.notes', 'app.users']);
    expect(map.leftOut).toEqual([
      {
        table: 'app.notes_old',
        reason: 'a child table of app.notes by inheritance: a search of app.notes reads its rows',
      },
    ]);
  });

  it('says why a table is left out when its only edge is held back by the fan-out limits, with the figures', () => {
    const map = build(
      [users, orders],
      { 'app.users': { email: 'email' } },
      {
        nameReferences: [ref('app.orders', 'user_id', 'app.users', 100)],
        fanOut: new Map([['app.orders.user_id', { rows: 200, keys: 5, median: 40, p99: 40, max: 40 }]]),
      },
    );
    expect(map.postgres.map((t) => t.table)).toEqual(['app.users']);
    expect(map.leftOut).toEqual([
      expect.objectContaining({
        table: 'app.orders',
        reason: expect.stringContaining(
          'user_id is not followed to app.users.id (decided by fan-out): its typical key reaches 20 % of the table (above 10 %)',
        ),
      }),
    ]);
    expect(map.leftOut[0]?.reason).toContain('raise --max-fanout or --max-share');
  });

  it('gives no identity kind to a reference name whose table is not there', () => {
    const events = table('app.events', ['id int', 'customer_id int', 'kind text'], ['id']);
    const map = build([users, events], { 'app.users': { email: 'email' } });
    expect([...map.identities.keys()]).toEqual(['email']);
    expect(map.leftOut.map((t) => t.table)).toEqual(['app.events']);
  });
});
