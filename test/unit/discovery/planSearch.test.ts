import { describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { planSearch } from '../../../shared/discovery/planSearch';

const map = parseDataMap(
  `version: 1
identities: { email: { normalize: lowercase }, user_id: {}, employee_id: {} }
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: [email, alt_email], user_id: id }
    learn: [email, user_id]
    columns: [id, email, alt_email, name, address_id]
    exclude: [password_hash]
    mirror: ANALYTICS.PUBLIC.USERS
  - table: public.orders
    primaryKey: [id]
    follow: { user_id: public.users.id }
  - table: public.address
    primaryKey: [id]
    follow: { id: [public.users.address_id, public.orders.billing_address_id] }
  - table: public.service_request
    identities: { email: customer_email, employee_id: employee_id }
snowflake:
  - table: ANALYTICS.PUBLIC.WEB_SESSIONS
    primaryKey: [SESSION_ID]
    follow: { USER_ID: public.users.id }
`,
  'map.yaml',
);

const tableOf = (name: string) => {
  const table = planSearch(map, { mirrors: true }).find((t) => t.table === name);
  if (!table) throw new Error(`${name} not planned`);
  return table;
};

describe('Function: planSearch', () => {
  it('plans only the mapped tables unless mirrors are asked for', () => {
    expect(planSearch(map).map((t) => `${t.system}:${t.table}`)).toEqual([
      'postgres:public.users',
      'postgres:public.orders',
      'postgres:public.address',
      'postgres:public.service_request',
      'snowflake:ANALYTICS.PUBLIC.WEB_SESSIONS',
    ]);
  });

  it('searches every column of a kind, and harvests only learned kinds and followed columns', () => {
    const users = tableOf('public.users');
    expect(users.inputs.map((i) => `${i.valueKey} ${i.column}`)).toEqual([
      'identity:email email',
      'identity:email alt_email',
      'identity:user_id id',
    ]);
    expect(users.outputs.map((o) => `${o.valueKey} ${o.column}`)).toEqual([
      'identity:email email',
      'identity:email alt_email',
      'identity:user_id id',
      'column:postgres:public.users.address_id address_id',
      'column:postgres:public.users.id id',
    ]);
    expect(users.columns).toEqual(['id', 'email', 'alt_email', 'name', 'address_id']);
  });

  it('harvests nothing from a table that learns nothing and is followed by no one', () => {
    const tickets = tableOf('public.service_request');
    expect(tickets.inputs.map((i) => `${i.valueKey} ${i.column}`)).toEqual([
      'identity:email customer_email',
      'identity:employee_id employee_id',
    ]);
    expect(tickets.outputs).toEqual([]);
    expect(tickets.primaryKey).toEqual([]);
  });

  it('searches one column by several references, and feeds a cross-system edge from PostgreSQL values', () => {
    expect(tableOf('public.address').inputs).toEqual([
      {
        valueKey: 'column:postgres:public.users.address_id',
        column: 'id',
        normalize: 'none',
        reason: { via: 'follow', from: 'postgres:public.users.address_id' },
      },
      {
        valueKey: 'column:postgres:public.orders.billing_address_id',
        column: 'id',
        normalize: 'none',
        reason: { via: 'follow', from: 'postgres:public.orders.billing_address_id' },
      },
    ]);
    expect(tableOf('public.orders').outputs.map((o) => o.valueKey)).toEqual([
      'column:postgres:public.orders.billing_address_id',
    ]);
    expect(tableOf('ANALYTICS.PUBLIC.WEB_SESSIONS').inputs.map((i) => i.valueKey)).toEqual([
      'column:postgres:public.users.id',
    ]);
  });

  it("plans each mirror like its source: same value keys and learning, upper-cased columns, the source's allow-list and excludes", () => {
    const mirror = tableOf('ANALYTICS.PUBLIC.USERS');
    expect(mirror).toMatchObject({
      system: 'snowflake',
      primaryKey: ['ID'],
      columns: ['ID', 'EMAIL', 'ALT_EMAIL', 'NAME', 'ADDRESS_ID'],
      exclude: ['PASSWORD_HASH'],
    });
    expect(mirror.inputs).toEqual([
      {
        valueKey: 'identity:email',
        column: 'EMAIL',
        normalize: 'lowercase',
        reason: { via: 'identity', identity: 'email' },
      },
      {
        valueKey: 'identity:email',
        column: 'ALT_EMAIL',
        normalize: 'lowercase',
        reason: { via: 'identity', identity: 'email' },
      },
      {
        valueKey: 'identity:user_id',
        column: 'ID',
        normalize: 'none',
        reason: { via: 'identity', identity: 'user_id' },
      },
    ]);
    expect(mirror.outputs.map((o) => `${o.valueKey} ${o.column}`)).toEqual(
      tableOf('public.users').outputs.map((o) => `${o.valueKey} ${o.column.toUpperCase()}`),
    );
  });
});
