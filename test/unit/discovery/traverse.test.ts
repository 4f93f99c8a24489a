import { describe, expect, it } from 'vitest';
import type { CanonicalRow } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { estimatedJsonLength, heldRowBytes } from '../../../shared/discovery/heldRowBytes';
import { keylessRowKeys } from '../../../shared/discovery/keylessRowKeys';
import { describeNotFollowed, type NotFollowed } from '../../../shared/discovery/NotFollowed';
import { identityKey, planSearch } from '../../../shared/discovery/planSearch';
import type { FoundRow, TableSearcher } from '../../../shared/discovery/SearchableTable';
import { SubjectTooLargeError } from '../../../shared/discovery/SubjectTooLargeError';
import { traverse } from '../../../shared/discovery/traverse';

/** Tables held in memory; records every search it is asked for. */
function memorySearcher(tables: Record<string, CanonicalRow[]>) {
  const calls: string[] = [];
  const counts: string[] = [];
  const searcher: TableSearcher = {
    async search(table, input, values, onPage) {
      calls.push(`${table.table}.${input.column}=${values.join('|')}`);
      const rows = (tables[table.table] ?? []).filter((row) => values.includes(String(row[input.column])));
      const keyOf = keylessRowKeys();
      onPage(
        rows.map(
          (row): FoundRow => ({
            key: table.primaryKey.length > 0 ? { id: row.id ?? null } : keyOf(row),
            row,
          }),
        ),
      );
    },
    async countRows(table, { column }, values, cap) {
      counts.push(`${table.table}.${column}=${values.join('|')}`);
      const rows = tables[table.table] ?? [];
      return new Map(
        values.map((v) => [v, Math.min(cap, rows.filter((row) => String(row[column]) === v).length)]),
      );
    },
  };
  return { searcher, calls, counts };
}

const map = parseDataMap(
  `version: 1
identities: { email: { normalize: lowercase }, user_id: {} }
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email, user_id: id }
    learn: [email, user_id]
  - table: public.friends
    primaryKey: [id]
    follow: { user_id: public.users.id, friend_of: public.friends.id }
`,
  'map.yaml',
);

describe('Function: traverse', () => {
  it('searches each column with each value once, and ends on a self-referencing cycle', async () => {
    const { searcher, calls } = memorySearcher({
      'public.users': [{ id: 1, email: 'ana@x.test' }],
      'public.friends': [
        { id: 10, user_id: 1, friend_of: 11 },
        { id: 11, user_id: 1, friend_of: 10 },
      ],
    });
    const result = await traverse(planSearch(map), new Map([[identityKey('email'), ['ana@x.test']]]), {
      searchers: { postgres: searcher },
    });
    expect(result.tables.map((t) => [t.table, t.rows.map((r) => r.key.id)])).toEqual([
      ['public.users', [1]],
      ['public.friends', [10, 11]],
    ]);
    expect(new Set(calls).size).toBe(calls.length);
    expect(calls).toEqual([
      'public.users.email=ana@x.test',
      'public.friends.user_id=1',
      'public.friends.friend_of=10|11',
    ]);
  });

  it('leaves out a row reached through one of hers that names another person and not her, and says so', async () => {
    // Prepare: row 11, Ben's (user 2), points at Ana's friendship row 10.
    const { searcher } = memorySearcher({
      'public.users': [{ id: 1, email: 'ana@x.test' }],
      'public.friends': [
        { id: 10, user_id: 1, friend_of: null },
        { id: 11, user_id: 2, friend_of: 10 },
      ],
    });

    // Act
    const result = await traverse(planSearch(map), new Map([[identityKey('email'), ['ana@x.test']]]), {
      searchers: { postgres: searcher },
    });
    const unguarded = await traverse(planSearch(map), new Map([[identityKey('email'), ['ana@x.test']]]), {
      searchers: { postgres: searcher },
      followGuard: false,
    });

    // Assess
    expect(result.tables.map((t) => [t.table, t.rows.map((r) => r.key.id)])).toEqual([
      ['public.users', [1]],
      ['public.friends', [10]],
    ]);
    expect(result.notFollowed).toEqual([
      {
        column: 'id',
        into: ['postgres:public.friends.friend_of'],
        othersOnly: true,
        rows: 1,
        system: 'postgres',
        table: 'public.friends',
        values: 1,
      },
    ]);
    expect(describeNotFollowed(result.notFollowed[0] as NotFollowed)).toBe(
      '1 row of public.friends reached through public.friends.id left out: it names other people and not the subject',
    );
    // Erasure's discovery runs without the guards, and judges such rows in its plan.
    expect(unguarded.tables.find((t) => t.table === 'public.friends')?.rows.map((r) => r.key.id)).toEqual([
      10, 11,
    ]);
  });

  it("leaves out another person's record reached through a follow of a table of people onto itself", async () => {
    // Prepare: users.referred_by follows users.id; Ben was referred by Ana, Cy by Ben.
    const referrals = parseDataMap(
      `version: 1
identities: { email: { normalize: lowercase }, user_id: {} }
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email, user_id: id }
    learn: [email, user_id]
    follow: { referred_by: public.users.id }
`,
      'referrals.yaml',
    );
    const { searcher } = memorySearcher({
      'public.users': [
        { id: 1, email: 'ana@x.test', referred_by: null },
        { id: 2, email: 'ben@x.test', referred_by: 1 },
        { id: 3, email: 'cy@x.test', referred_by: 2 },
      ],
    });

    // Act
    const result = await traverse(planSearch(referrals), new Map([[identityKey('email'), ['ana@x.test']]]), {
      searchers: { postgres: searcher },
    });

    // Assess: Ana only; before, the chain of referrals reached every user.
    expect(result.tables.map((t) => [t.table, t.rows.map((r) => r.key.id)])).toEqual([['public.users', [1]]]);
    expect(result.notFollowed).toEqual([
      expect.objectContaining({ othersOnly: true, rows: 1, table: 'public.users' }),
    ]);
  });

  it('holds rows up to maxHeldBytes, estimated per row, and stops at the row beyond it, naming the limit and no value', async () => {
    // Prepare: a user and three friendships: four rows, each estimated from its values (no JSON written).
    const users = [{ id: 1, email: 'ana@x.test' }];
    const friends = [10, 11, 12].map((id) => ({ id, user_id: 1, friend_of: null }));
    const { searcher } = memorySearcher({ 'public.users': users, 'public.friends': friends });
    const seeds = new Map([[identityKey('email'), ['ana@x.test']]]);
    const run = (maxHeldBytes: number) =>
      traverse(planSearch(map), seeds, { searchers: { postgres: searcher }, maxHeldBytes });
    const weights = [...users, ...friends].map((row) => heldRowBytes(estimatedJsonLength(row)));
    const all = weights.reduce((a, b) => a + b, 0);

    // Act & Assess: exactly the four rows' weight holds them; a byte less stops at the fourth row.
    const whole = await run(all);
    expect(whole.tables.reduce((n, t) => n + t.rows.length, 0)).toBe(4);
    const refused = await run(all - 1).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SubjectTooLargeError);
    expect(refused).toMatchObject({ retryable: false, code: 'SUBJECT_TOO_LARGE_FOR_MEMORY', rowsMet: 4 });
    expect(String((refused as Error).message)).toContain('DSR_ERASE_PLAN_HEAP_MIB');
    expect(String((refused as Error).message)).not.toContain('ana@x.test');
    // Every row weighs its overhead and three times its text: a wider row weighs more.
    expect(heldRowBytes(2048) - heldRowBytes(64)).toBe(3 * (2048 - 64));
  });

  it('does not search a table by the primary key of a row it already found, but does for keys learned elsewhere', async () => {
    const { searcher, calls } = memorySearcher({
      'public.users': [
        { id: 1, email: 'ana@x.test' },
        { id: 2, email: 'ben@x.test' },
      ],
      'public.friends': [{ id: 10, user_id: 1, friend_of: null }],
    });
    const seeds = new Map([
      [identityKey('email'), ['ana@x.test']],
      [identityKey('user_id'), ['2']],
    ]);
    const result = await traverse(planSearch(map), seeds, { searchers: { postgres: searcher } });
    // User 2 is known only as an identifier, so the users table is searched by its key once, for 2.
    expect(calls.filter((c) => c.startsWith('public.users.id='))).toEqual(['public.users.id=2']);
    expect(result.tables[0]?.rows.map((r) => r.key.id)).toEqual([1, 2]);
  });

  it('normalises harvested identity values before searching with them', async () => {
    const { searcher, calls } = memorySearcher({
      'public.users': [{ id: 1, email: 'Ana@X.test' }],
    });
    await traverse(planSearch(map), new Map([[identityKey('user_id'), ['1']]]), {
      searchers: { postgres: searcher },
    });
    expect(calls).toContain('public.users.email=ana@x.test');
  });

  it('reports the tables of a system it has no searcher for', async () => {
    const result = await traverse(planSearch(map), new Map(), { searchers: {} });
    expect(result.notSearched.map((t) => t.table)).toEqual(['public.users', 'public.friends']);
    expect(result.rounds).toBe(0);
  });

  describe('Decision: what widens the search', () => {
    const shop = parseDataMap(
      `version: 1
identities: { email: { normalize: lowercase }, employee_id: {}, customer_id: {} }
postgres:
  - table: public.customer
    primaryKey: [id]
    identities: { email: email, customer_id: id }
    learn: [email, customer_id]
  - table: public.employee
    primaryKey: [id]
    identities: { email: email, employee_id: id }
    learn: [employee_id]
  - table: public.ticket
    primaryKey: [id]
    identities: { email: [email, alt_email], employee_id: employee_id }
  - table: public.orders
    primaryKey: [id]
    follow: { customer_id: public.customer.id }
  - table: public.audit
    identities: { customer_id: customer_id }
`,
      'shop.yaml',
    );
    const tables = {
      'public.customer': [
        { id: 1, email: 'ana@x.test' },
        { id: 2, email: 'ben@x.test' },
      ],
      'public.employee': [{ id: 10, email: 'sam@corp.test' }],
      'public.ticket': [
        { id: 400, email: 'ben@x.test', alt_email: null, employee_id: 10 },
        { id: 401, email: 'old@x.test', alt_email: 'ANA@x.test', employee_id: null },
      ],
      'public.orders': [
        { id: 100, customer_id: 1 },
        { id: 101, customer_id: 2 },
      ],
      'public.audit': [
        { customer_id: 1, event: 'login' },
        { customer_id: 1, event: 'login' },
        { customer_id: 2, event: 'login' },
      ],
    };
    const found = (result: Awaited<ReturnType<typeof traverse>>) =>
      Object.fromEntries(result.tables.map((t) => [t.table, t.rows.map((r) => r.key.id ?? r.key._n)]));

    it('learns nothing from a row that mentions other people: a staff member never reaches the customers', async () => {
      const { searcher, calls } = memorySearcher(tables);
      const result = await traverse(planSearch(shop), new Map([[identityKey('employee_id'), ['10']]]), {
        searchers: { postgres: searcher },
      });
      expect(found(result)).toEqual({
        'public.customer': [],
        'public.employee': [10],
        'public.ticket': [400],
        'public.orders': [],
        'public.audit': [],
      });
      // The ticket's email (a customer's) was never searched with; the employee learns no email either.
      expect(calls.filter((c) => c.includes('ben@x.test'))).toEqual([]);
      expect(calls.filter((c) => c.includes('.email='))).toEqual([]);
    });

    it("searches every column of a kind and learns only the declared kinds, recording each row's first round", async () => {
      const { searcher } = memorySearcher(tables);
      const result = await traverse(planSearch(shop), new Map([[identityKey('email'), ['ana@x.test']]]), {
        searchers: { postgres: searcher },
      });
      expect(found(result)).toEqual({
        'public.customer': [1],
        'public.employee': [],
        'public.ticket': [],
        'public.orders': [100],
        'public.audit': [1, 2],
      });
      const rows = new Map(result.tables.map((t) => [t.table, t.rows]));
      expect(rows.get('public.customer')?.[0]?.provenance).toEqual([
        { column: 'email', identity: 'email', round: 1, source: 'request', via: 'identity' },
      ]);
      expect(rows.get('public.orders')?.[0]?.provenance).toEqual([
        { column: 'customer_id', from: 'postgres:public.customer.id', round: 2, via: 'follow' },
      ]);
      expect(rows.get('public.audit')?.map((r) => r.provenance)).toEqual([
        [{ column: 'customer_id', identity: 'customer_id', round: 2, source: 'learned', via: 'identity' }],
        [{ column: 'customer_id', identity: 'customer_id', round: 2, source: 'learned', via: 'identity' }],
      ]);
    });

    it('matches a value in the second column of a kind and records which column matched', async () => {
      const { searcher } = memorySearcher({
        ...tables,
        'public.ticket': [{ id: 401, email: 'old@x.test', alt_email: 'ana@x.test', employee_id: null }],
      });
      const result = await traverse(planSearch(shop), new Map([[identityKey('email'), ['ana@x.test']]]), {
        searchers: { postgres: searcher },
      });
      const ticket = result.tables.find((t) => t.table === 'public.ticket')?.rows;
      expect(ticket?.map((r) => [r.key.id, r.provenance])).toEqual([
        [401, [{ column: 'alt_email', identity: 'email', round: 1, source: 'request', via: 'identity' }]],
      ]);
    });

    it('gives the same rows and provenance whichever search of a round ends first', async () => {
      const slow = (delayFor: string): TableSearcher => {
        const { searcher } = memorySearcher(tables);
        return {
          async search(table, input, values, onPage) {
            if (table.table === delayFor) await new Promise((r) => setTimeout(r, 20));
            return searcher.search(table, input, values, onPage);
          },
          countRows: (...args) => searcher.countRows(...args),
        };
      };
      const seeds = new Map([
        [identityKey('email'), ['ana@x.test', 'ben@x.test']],
        [identityKey('employee_id'), ['10']],
      ]);
      const a = await traverse(planSearch(shop), seeds, { searchers: { postgres: slow('public.customer') } });
      const b = await traverse(planSearch(shop), seeds, { searchers: { postgres: slow('public.ticket') } });
      expect(canonicalJson(a.tables as never)).toBe(canonicalJson(b.tables as never));
      const ticket = a.tables.find((t) => t.table === 'public.ticket')?.rows[0];
      expect(ticket?.provenance.map((p) => p.column)).toEqual(['email', 'employee_id']);
    });
  });

  describe('Decision: the learning guard', () => {
    // contact and member are tables of people (their keys are identities); notes mentions them.
    const crm = parseDataMap(
      `version: 1
identities: { email: {}, phone: {}, contact_id: {}, member_id: {} }
postgres:
  - table: public.contact
    primaryKey: [id]
    identities: { email: email, phone: phone, contact_id: id }
    learn: [email, phone, contact_id]
  - table: public.member
    primaryKey: [id]
    identities: { email: email, phone: phone, member_id: id }
    learn: [email, phone, member_id]
  - table: public.notes
    primaryKey: [id]
    identities: { phone: phone }
    learn: [phone]
  - table: public.calls
    primaryKey: [id]
    identities: { phone: phone }
`,
      'crm.yaml',
    );

    it('marks tables of people: a learning table whose single key is an identity or followed', () => {
      expect(planSearch(crm).map((t) => [t.table, t.personTable ?? false])).toEqual([
        ['public.contact', true],
        ['public.member', true],
        ['public.notes', false],
        ['public.calls', false],
      ]);
      expect(planSearch(map).map((t) => [t.table, t.personTable ?? false])).toEqual([
        ['public.users', true],
        ['public.friends', false],
      ]);
    });

    it('does not follow a value two rows of its column hold, counts it once, and reports it by count only', async () => {
      const { searcher, calls, counts } = memorySearcher({
        'public.contact': [
          { id: 1, email: 'a@x.test', phone: '100' },
          { id: 2, email: 'b@x.test', phone: '100' },
        ],
        'public.calls': [{ id: 9, phone: '100' }],
      });
      const result = await traverse(planSearch(crm), new Map([[identityKey('email'), ['a@x.test']]]), {
        searchers: { postgres: searcher },
      });
      expect(result.tables.map((t) => [t.table, t.rows.map((r) => r.key.id)])).toEqual([
        ['public.contact', [1]],
        ['public.member', []],
        ['public.notes', []],
        ['public.calls', []],
      ]);
      expect(calls.some((c) => c.includes('phone='))).toBe(false);
      // Counted in every column that learns phone, once each.
      expect(counts.filter((c) => c.includes('phone'))).toEqual([
        'public.contact.phone=100',
        'public.member.phone=100',
        'public.notes.phone=100',
      ]);
      expect(result.notFollowed).toEqual([
        {
          column: 'phone',
          identity: 'phone',
          rows: 2,
          system: 'postgres',
          table: 'public.contact',
          values: 1,
        },
      ]);
    });

    it('does not follow a value that two learning tables hold once each, and names both tables with their counts', async () => {
      const { searcher, calls } = memorySearcher({
        'public.contact': [{ id: 1, email: 'a@x.test', phone: '100' }],
        'public.member': [{ id: 5, email: 'b@x.test', phone: '100' }],
        'public.calls': [{ id: 9, phone: '100' }],
      });
      const result = await traverse(planSearch(crm), new Map([[identityKey('email'), ['a@x.test']]]), {
        searchers: { postgres: searcher },
      });
      expect(result.tables.map((t) => [t.table, t.rows.map((r) => r.key.id)])).toEqual([
        ['public.contact', [1]],
        ['public.member', []],
        ['public.notes', []],
        ['public.calls', []],
      ]);
      expect(calls.some((c) => c.includes('phone='))).toBe(false);
      expect(result.notFollowed).toEqual([
        {
          column: 'phone',
          heldBy: [
            { column: 'phone', rows: 1, system: 'postgres', table: 'public.contact' },
            { column: 'phone', rows: 1, system: 'postgres', table: 'public.member' },
          ],
          identity: 'phone',
          rows: 2,
          system: 'postgres',
          table: 'public.contact',
          values: 1,
        },
      ]);
      expect(describeNotFollowed(result.notFollowed[0] as NotFollowed)).toBe(
        'phone not followed: shared by 2 rows (1 of public.contact.phone, 1 of public.member.phone)',
      );
    });

    it('follows a value one row of the tables of people holds, whatever tables that mention people repeat it', async () => {
      const { searcher } = memorySearcher({
        'public.contact': [{ id: 1, email: 'a@x.test', phone: '100' }],
        'public.notes': [
          { id: 7, phone: '100' },
          { id: 8, phone: '100' },
        ],
        'public.calls': [{ id: 9, phone: '100' }],
      });
      const result = await traverse(planSearch(crm), new Map([[identityKey('email'), ['a@x.test']]]), {
        searchers: { postgres: searcher },
      });
      expect(result.tables.map((t) => [t.table, t.rows.map((r) => r.key.id)])).toEqual([
        ['public.contact', [1]],
        ['public.member', []],
        ['public.notes', [7, 8]],
        ['public.calls', [9]],
      ]);
      expect(result.notFollowed).toEqual([]);
    });

    it('refuses a value two rows of a table of people hold, even when another table of people holds it once', async () => {
      const { searcher } = memorySearcher({
        'public.contact': [
          { id: 1, email: 'a@x.test', phone: '100' },
          { id: 2, email: 'b@x.test', phone: '100' },
        ],
        'public.member': [{ id: 5, email: 'a@x.test', phone: '100' }],
        'public.calls': [{ id: 9, phone: '100' }],
      });
      const result = await traverse(planSearch(crm), new Map([[identityKey('email'), ['a@x.test']]]), {
        searchers: { postgres: searcher },
      });
      expect(result.tables.find((t) => t.table === 'public.calls')?.rows).toEqual([]);
      expect(result.notFollowed.map((n) => [n.table, n.rows, n.heldBy?.map((h) => h.rows)])).toEqual([
        ['public.contact', 3, [2, 1]],
        ['public.member', 3, [2, 1]],
      ]);
    });

    it("does not search by the request's own value when two rows of one table of people hold it, and says so", async () => {
      // Prepare: a household's phone on two contacts; calls and notes under it.
      const { searcher } = memorySearcher({
        'public.contact': [
          { id: 1, email: 'a@x.test', phone: '100' },
          { id: 2, email: 'b@x.test', phone: '100' },
        ],
        'public.notes': [{ id: 3, phone: '100' }],
        'public.calls': [{ id: 9, phone: '100' }],
      });

      // Act
      const byPhone = await traverse(planSearch(crm), new Map([[identityKey('phone'), ['100']]]), {
        searchers: { postgres: searcher },
      });

      // Assess: nothing of either person, and the note names the table, the column and the count.
      expect(byPhone.tables.flatMap((t) => t.rows)).toEqual([]);
      expect(byPhone.identities).toEqual({});
      expect(byPhone.notFollowed).toEqual([
        {
          column: 'phone',
          identity: 'phone',
          requested: true,
          rows: 2,
          system: 'postgres',
          table: 'public.contact',
          values: 1,
        },
      ]);
      expect(describeNotFollowed(byPhone.notFollowed[0] as NotFollowed)).toBe(
        'phone of the request not searched: held by 2 rows of public.contact.phone, which may be different people',
      );
    });

    it("searches by the request's value when one row of each of two tables of people holds it, and by the other values of the request", async () => {
      // Prepare: a@x.test is a contact and a member (one person known to two systems); the
      // request also names the shared phone, which a@x.test's contact row holds.
      const { searcher } = memorySearcher({
        'public.contact': [
          { id: 1, email: 'a@x.test', phone: '100' },
          { id: 2, email: 'b@x.test', phone: '100' },
        ],
        'public.member': [{ id: 5, email: 'a@x.test', phone: '200' }],
      });

      // Act
      const result = await traverse(
        planSearch(crm),
        new Map([
          [identityKey('email'), ['a@x.test']],
          [identityKey('phone'), ['100']],
        ]),
        { searchers: { postgres: searcher } },
      );

      // Assess: both of a@x.test's rows; b@x.test's contact row is not reached through the phone.
      expect(result.tables.map((t) => [t.table, t.rows.map((r) => r.key.id)])).toEqual([
        ['public.contact', [1]],
        ['public.member', [5]],
        ['public.notes', []],
        ['public.calls', []],
      ]);
      expect(result.notFollowed.map((n) => [n.table, n.identity, n.requested ?? false])).toEqual([
        ['public.contact', 'phone', true],
      ]);
    });

    it('follows a value one row holds in two columns of its kind, and one a table and its mirror copy each hold once', async () => {
      const mirrored = parseDataMap(
        `version: 1
identities: { email: {}, phone: {}, contact_id: {} }
postgres:
  - table: public.contact
    primaryKey: [id]
    identities: { email: email, phone: [phone, mobile], contact_id: id }
    learn: [email, phone, contact_id]
    mirror: CRM.PUBLIC.CONTACT
  - table: public.calls
    primaryKey: [id]
    identities: { phone: phone }
`,
        'mirrored.yaml',
      );
      const { searcher } = memorySearcher({
        'public.contact': [{ id: 1, email: 'a@x.test', phone: '100', mobile: '100' }],
        'public.calls': [{ id: 9, phone: '100' }],
      });
      const copy = memorySearcher({
        'CRM.PUBLIC.CONTACT': [{ ID: 1, EMAIL: 'a@x.test', PHONE: '100', MOBILE: '100' }],
      });
      const result = await traverse(
        planSearch(mirrored, { mirrors: true }),
        new Map([[identityKey('email'), ['a@x.test']]]),
        { searchers: { postgres: searcher, snowflake: copy.searcher } },
      );
      expect(copy.counts.filter((c) => c.includes('PHONE') || c.includes('MOBILE'))).toEqual([
        'CRM.PUBLIC.CONTACT.PHONE=100',
        'CRM.PUBLIC.CONTACT.MOBILE=100',
      ]);
      expect(result.tables.find((t) => t.table === 'public.calls')?.rows.map((r) => r.key.id)).toEqual([9]);
      expect(result.notFollowed).toEqual([]);
    });

    it('reports a count stopped at the cap as that many or more', async () => {
      const { searcher } = memorySearcher({
        'public.contact': [1, 2, 3, 4].map((id) => ({ id, email: `${id}@x.test`, phone: '100' })),
      });
      const result = await traverse(planSearch(crm), new Map([[identityKey('email'), ['1@x.test']]]), {
        searchers: { postgres: searcher },
        sharedValueCap: 3,
      });
      expect(result.notFollowed).toEqual([
        {
          capped: true,
          column: 'phone',
          identity: 'phone',
          rows: 3,
          system: 'postgres',
          table: 'public.contact',
          values: 1,
        },
      ]);
    });
  });

  it('follows a learned value that only the subject’s own keyed rows hold, below the cap; never from a keyless table', async () => {
    // Prepare: Jonas's two tickets carry user id 77; his two log lines (keyless) carry 66.
    const ownMap = parseDataMap(
      `version: 1
identities: { email: { normalize: lowercase }, user_id: {} }
postgres:
  - table: public.tickets
    primaryKey: [id]
    identities: { email: requester, user_id: user_id }
    learn: [user_id]
  - table: public.log
    identities: { email: requester, user_id: user_id }
    learn: [user_id]
  - table: public.sessions
    primaryKey: [id]
    identities: { user_id: user_id }
`,
      'own.yaml',
    );
    const { searcher } = memorySearcher({
      'public.tickets': [
        { id: 1, requester: 'jonas@x.test', user_id: 77 },
        { id: 2, requester: 'jonas@x.test', user_id: 77 },
      ],
      'public.log': [
        { requester: 'jonas@x.test', user_id: 66 },
        { requester: 'jonas@x.test', user_id: 66 },
      ],
      'public.sessions': [
        { id: 7, user_id: 77 },
        { id: 6, user_id: 66 },
      ],
    });
    const seeds = new Map([[identityKey('email'), ['jonas@x.test']]]);
    const sessions = (r: Awaited<ReturnType<typeof traverse>>) =>
      r.tables.find((t) => t.table === 'public.sessions')?.rows.map((x) => x.key.id);

    // Act
    const below = await traverse(planSearch(ownMap), seeds, { searchers: { postgres: searcher } });
    const atCap = await traverse(planSearch(ownMap), seeds, {
      searchers: { postgres: searcher },
      sharedValueCap: 2,
    });

    // Assess
    expect(sessions(below)).toEqual([7]);
    expect(below.identities).toEqual({ email: ['jonas@x.test'], user_id: ['77'] });
    expect(below.notFollowed.map((n) => [n.table, n.rows])).toEqual([['public.log', 2]]);
    expect(sessions(atCap)).toEqual([]);
    expect(atCap.identities).toEqual({ email: ['jonas@x.test'] });
  });

  describe('Decision: the follow guard', () => {
    // Customer numbers repeat per tenant: (tenant, customer_no) names a customer, customer_no alone does not.
    const tenants = parseDataMap(
      `version: 1
identities: { email: { normalize: lowercase } }
postgres:
  - table: public.accounts
    primaryKey: [id]
    identities: { email: email }
  - table: public.customers
    primaryKey: [id]
    identities: { email: email }
    follow: { account_id: public.accounts.id }
  - table: public.orders
    primaryKey: [id]
    follow: { customer_no: public.customers.customer_no }
  - table: public.invoices
    primaryKey: [id]
    follow: { order_id: public.orders.id }
`,
      'tenants.yaml',
    );
    const seeds = new Map([[identityKey('email'), ['ana@x.test']]]);
    const idsOf = (r: Awaited<ReturnType<typeof traverse>>, table: string) =>
      r.tables.find((t) => t.table === table)?.rows.map((x) => x.key.id);

    it("does not follow a value other people's rows of the followed column hold, and reports it by count only", async () => {
      // Prepare: Ana is customer 42 of tenant A; Ben is customer 42 of tenant B.
      const { searcher, calls, counts } = memorySearcher({
        'public.accounts': [],
        'public.customers': [
          { id: 1, tenant: 'A', customer_no: 42, email: 'ana@x.test', account_id: null },
          { id: 2, tenant: 'B', customer_no: 42, email: 'ben@x.test', account_id: null },
        ],
        'public.orders': [
          { id: 10, tenant: 'A', customer_no: 42 },
          { id: 20, tenant: 'B', customer_no: 42 },
        ],
        'public.invoices': [{ id: 200, order_id: 20 }],
      });

      // Act
      const result = await traverse(planSearch(tenants), seeds, { searchers: { postgres: searcher } });
      const guardedCalls = [...calls];
      const unguarded = await traverse(planSearch(tenants), seeds, {
        searchers: { postgres: searcher },
        followGuard: false,
      });

      // Assess: no order is searched by 42, so neither Ben's order nor his invoice is found.
      expect(idsOf(result, 'public.customers')).toEqual([1]);
      expect(idsOf(result, 'public.orders')).toEqual([]);
      expect(idsOf(result, 'public.invoices')).toEqual([]);
      expect(guardedCalls.filter((c) => c.startsWith('public.orders.customer_no'))).toEqual([]);
      expect(counts).toEqual(['public.customers.customer_no=42']);
      const note: NotFollowed = {
        column: 'customer_no',
        into: ['postgres:public.orders.customer_no'],
        rows: 2,
        system: 'postgres',
        table: 'public.customers',
        values: 1,
      };
      expect(result.notFollowed).toEqual([note]);
      expect(describeNotFollowed(note)).toBe(
        "a value of public.customers.customer_no not followed into postgres:public.orders.customer_no: held by 2 rows of public.customers.customer_no, not all of them known to be the subject's",
      );
      expect(JSON.stringify(result.notFollowed)).not.toContain('42');
      // Without the guard (erasure's discovery, which judges such follows itself) both orders are reached.
      expect(idsOf(unguarded, 'public.orders')).toEqual([10, 20]);
      expect(unguarded.notFollowed).toEqual([]);
    });

    it("follows a value only the subject's own rows hold, judging it again once her later rows hold it", async () => {
      // Prepare: Ana's customer rows 1 (found by e-mail, round 1) and 3 (found through her account,
      // round 2) both hold 42, which no one else holds: 42 is refused in round 2 (one of two holders
      // found), then followed in round 3.
      const { searcher, calls } = memorySearcher({
        'public.accounts': [{ id: 5, email: 'ana@x.test' }],
        'public.customers': [
          { id: 1, tenant: 'A', customer_no: 42, email: 'ana@x.test', account_id: null },
          { id: 3, tenant: 'B', customer_no: 42, email: null, account_id: 5 },
          { id: 4, tenant: 'B', customer_no: 43, email: 'ben@x.test', account_id: null },
        ],
        'public.orders': [
          { id: 10, tenant: 'A', customer_no: 42 },
          { id: 30, tenant: 'B', customer_no: 42 },
          { id: 40, tenant: 'B', customer_no: 43 },
        ],
        'public.invoices': [{ id: 300, order_id: 30 }],
      });

      // Act
      const result = await traverse(planSearch(tenants), seeds, { searchers: { postgres: searcher } });

      // Assess
      expect(idsOf(result, 'public.customers')).toEqual([1, 3]);
      expect(idsOf(result, 'public.orders')).toEqual([10, 30]);
      expect(idsOf(result, 'public.invoices')).toEqual([300]);
      expect(result.notFollowed).toEqual([]);
      expect(calls.filter((c) => c.startsWith('public.orders.customer_no'))).toEqual([
        'public.orders.customer_no=42',
      ]);
      const order = result.tables.find((t) => t.table === 'public.orders')?.rows[0];
      expect(order?.provenance.map((p) => p.round)).toEqual([3]);
    });

    it("refuses a value when the count finds fewer holders than the subject's own rows (the count and the search disagree)", async () => {
      // Prepare: a count that compares differently from the search finds no row holding 42.
      const { searcher } = memorySearcher({
        'public.accounts': [],
        'public.customers': [{ id: 1, tenant: 'A', customer_no: 42, email: 'ana@x.test', account_id: null }],
        'public.orders': [{ id: 10, tenant: 'A', customer_no: 42 }],
        'public.invoices': [],
      });
      const blind = {
        ...searcher,
        countRows: async (_t: unknown, _c: unknown, values: readonly string[]) =>
          new Map(values.map((v) => [v, 0])),
      };

      // Act
      const result = await traverse(planSearch(tenants), seeds, { searchers: { postgres: blind } });

      // Assess
      expect(idsOf(result, 'public.orders')).toEqual([]);
      expect(result.notFollowed.map((n) => [n.table, n.column, n.rows])).toEqual([
        ['public.customers', 'customer_no', 0],
      ]);
    });

    it('does not guard a follow onto or from a key, and refuses a value counted at the cap', async () => {
      // Prepare: three of Ana's own customer rows hold 42; with a cap of 3 the count cannot tell.
      const { searcher, counts } = memorySearcher({
        'public.accounts': [],
        'public.customers': [1, 2, 3].map((id) => ({
          id,
          tenant: `T${id}`,
          customer_no: 42,
          email: 'ana@x.test',
          account_id: null,
        })),
        'public.orders': [{ id: 10, tenant: 'T1', customer_no: 42 }],
        'public.invoices': [{ id: 100, order_id: 10 }],
      });

      // Act
      const below = await traverse(planSearch(tenants), seeds, { searchers: { postgres: searcher } });
      const atCap = await traverse(planSearch(tenants), seeds, {
        searchers: { postgres: searcher },
        sharedValueCap: 3,
      });

      // Assess: invoices follow orders.id (a key) and accounts.id is a key: neither is counted.
      expect(idsOf(below, 'public.invoices')).toEqual([100]);
      expect(counts.every((c) => c.startsWith('public.customers.customer_no='))).toBe(true);
      expect(idsOf(atCap, 'public.orders')).toEqual([]);
      expect(atCap.notFollowed.map((n) => [n.table, n.rows, n.capped])).toEqual([
        ['public.customers', 3, true],
      ]);
    });
  });
});
