import { describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { findingsErasureNeeds } from '../../../shared/erasure/findingsErasureNeeds';
import type { ErasureCatalog } from '../../../shared/erasure/readErasureCatalog';

const MAP = parseDataMap(
  `version: 1
identities:
  email: {}
  customer_id: {}
postgres:
  - table: public.customer
    primaryKey: [id]
    identities: { email: email, customer_id: id }
    erasure: delete
  - table: public.orders
    primaryKey: [tenant, id]
    follow: { customer_id: public.customer.id }
    erasure: delete
  - table: public.order_line
    primaryKey: [tenant, order_id, n]
    follow: { order_id: public.orders.id }
    erasure: delete
  - table: public.event_log
    identities: { customer_id: customer_id }
    erasure: delete
snowflake:
  - table: ANALYTICS.PUBLIC.SESSIONS
    primaryKey: [ID]
    identities: { customer_id: CUSTOMER_ID }
    erasure: delete
`,
  'needs.yaml',
);
const catalog = (composite: boolean) =>
  ({
    tables: new Map(),
    foreignKeys: composite
      ? [
          {
            name: 'order_line_order_fkey',
            table: 'public.order_line',
            columns: ['tenant', 'order_id'],
            refTable: 'public.orders',
            refColumns: ['tenant', 'id'],
            onDelete: 'cascade',
          },
        ]
      : [],
    checks: [],
    sideEffects: [],
  }) as unknown as ErasureCatalog;

describe('Function: findingsErasureNeeds', () => {
  it('holds the rows of keyless tables and of followed tables only: the rest stay in the parts', () => {
    const needs = findingsErasureNeeds(MAP, catalog(false));
    const held = (system: 'postgres' | 'snowflake', table: string) => needs({ system, table });

    expect(held('postgres', 'public.event_log')).toBe(true); // located through the column that found it
    expect(held('postgres', 'public.customer')).toBe(true); // orders follow it: the proof starts from it
    expect(held('postgres', 'public.orders')).toBe(true); // order lines follow it
    expect(held('postgres', 'public.order_line')).toBe(false);
    expect(held('snowflake', 'ANALYTICS.PUBLIC.SESSIONS')).toBe(false);
    expect(held('snowflake', 'public.customer')).toBe(false);
  });

  it('holds the rows a composite foreign key references, which the proof tells other rows by', () => {
    const bare = parseDataMap(
      `version: 1
identities: { email: {} }
postgres:
  - table: public.orders
    primaryKey: [tenant, id]
    identities: { email: email }
    erasure: delete
`,
      'bare.yaml',
    );

    expect(findingsErasureNeeds(bare, catalog(false))({ system: 'postgres', table: 'public.orders' })).toBe(
      false,
    );
    expect(findingsErasureNeeds(bare, catalog(true))({ system: 'postgres', table: 'public.orders' })).toBe(
      true,
    );
  });
});
