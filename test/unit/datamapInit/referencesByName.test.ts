import { describe, expect, it } from 'vitest';
import { personKindOf, singularOf } from '../../../shared/datamapInit/identityRules';
import { referencesByName } from '../../../shared/datamapInit/referencesByName';
import { table } from './catalogFixture';

const customers = table('app.customers', ['id int', 'email text', 'referred_by_customer_id int'], ['id']);
const address = table('app.address', ['id int', 'street text'], ['id']);
const categories = table('app.categories', ['id int', 'label text'], ['id']);
const people = table('app.people', ['person_id uuid', 'email text'], ['person_id']);

describe('Function: singularOf', () => {
  it.each([
    ['customers', 'customer'],
    ['address', 'address'],
    ['addresses', 'address'],
    ['categories', 'category'],
    ['people', 'person'],
    ['payment_cards', 'payment_card'],
    ['status', 'status'],
    ['boxes', 'box'],
    ['class', 'class'],
  ])('%s → %s', (plural, singular) => expect(singularOf(plural)).toBe(singular));

  it('names the identity kind of a person table by its singular', () => {
    expect(personKindOf('app.customers')).toBe('customer_id');
    expect(personKindOf('hr.people')).toBe('person_id');
  });
});

describe('Function: referencesByName', () => {
  it('matches singular and plural table names, and the longest trailing part of the name', () => {
    const orders = table(
      'app.orders',
      ['id int', 'customer_id int', 'billing_address_id int', 'shipping_address_id int', 'category_id int'],
      ['id'],
    );
    const { references } = referencesByName([customers, address, categories, orders]);
    expect(references).toEqual([
      { table: 'app.orders', column: 'customer_id', target: 'app.customers', targetColumn: 'id' },
      { table: 'app.orders', column: 'billing_address_id', target: 'app.address', targetColumn: 'id' },
      { table: 'app.orders', column: 'shipping_address_id', target: 'app.address', targetColumn: 'id' },
      { table: 'app.orders', column: 'category_id', target: 'app.categories', targetColumn: 'id' },
    ]);
  });

  it('does not propose a column beside a column naming its table (owner_id beside owner_type), and says how to follow it', () => {
    const owners = table('app.owners', ['id int', 'email text'], ['id']);
    const files = table(
      'app.files',
      ['id int', 'owner_id int', 'Owner_Type text', 'customer_id int'],
      ['id'],
    );
    const { references, notes } = referencesByName([owners, customers, files]);
    expect(references.map((r) => `${r.column}->${r.target}`)).toEqual(['customer_id->app.customers']);
    expect(notes).toContainEqual({
      table: 'app.files',
      note: expect.stringContaining(
        'owner_id is not followed: it sits beside Owner_Type, so it may refer to rows of several tables',
      ),
    });
  });

  it('says how to follow a column beside a type column when its name fits no table (record_id beside record_type)', () => {
    const attachments = table(
      'app.attachments',
      ['id int', 'record_type text', 'record_id int', 'name text'],
      ['id'],
    );
    const { references, notes } = referencesByName([customers, attachments]);
    expect(references).toEqual([]);
    expect(notes).toContainEqual({
      table: 'app.attachments',
      note: expect.stringContaining(
        'record_id is not followed: it sits beside record_type, so it refers to rows of the tables record_type names',
      ),
    });
  });

  it('prefers a table named by the whole prefix over one named by its last word', () => {
    const cards = table('app.cards', ['id int'], ['id']);
    const paymentCards = table('app.payment_cards', ['id int'], ['id']);
    const orders = table('app.orders', ['id int', 'payment_card_id int', 'card_id int'], ['id']);
    const { references } = referencesByName([cards, paymentCards, orders]);
    expect(references.map((r) => `${r.column}->${r.target}`)).toEqual([
      'payment_card_id->app.payment_cards',
      'card_id->app.cards',
    ]);
  });

  it('refers to the key by its own name, a unique key, or an id column', () => {
    const orders = table(
      'app.orders',
      ['id int', 'person_id uuid', 'tenant_id int', 'region_id int'],
      ['id'],
    );
    const tenants = table('app.tenants', ['code text', 'tenant_id int'], undefined, [['tenant_id']]);
    const regions = table('app.regions', ['id int', 'label text']);
    const { references } = referencesByName([people, orders, tenants, regions]);
    expect(references.map((r) => `${r.column}->${r.target}.${r.targetColumn}`)).toEqual([
      'person_id->app.people.person_id',
      'tenant_id->app.tenants.tenant_id',
      'region_id->app.regions.id',
    ]);
  });

  it('proposes no reference to the own table, across types, to ambiguous names, or from plain names', () => {
    const orders = table(
      'app.orders',
      ['id int', 'person_id int', 'invoice_id int', 'customer_ref int', 'customerid int', 'order_id int'],
      ['id'],
    );
    const other = table('crm.invoices', ['id int'], ['id']);
    const third = table('billing.invoices', ['id int'], ['id']);
    const { references, notes } = referencesByName([customers, people, orders, other, third]);
    expect(references).toEqual([]);
    expect(notes).toEqual([
      {
        table: 'app.customers',
        note: "referred_by_customer_id is not followed: it refers to its own table, and would reach other people's rows",
      },
      {
        table: 'app.orders',
        note: 'person_id is not followed: its type integer cannot join app.people.person_id (uuid)',
      },
      { table: 'app.orders', note: 'invoice_id is not followed: its name fits 2 tables in other schemas' },
      {
        table: 'app.orders',
        note: "order_id is not followed: it refers to its own table, and would reach other people's rows",
      },
    ]);
  });

  it('passes columns a foreign key already covers', () => {
    const orders = table('app.orders', ['id int', 'customer_id int'], ['id']);
    expect(referencesByName([customers, orders], new Set(['app.orders.customer_id'])).references).toEqual([]);
  });
});
