import { describe, expect, it } from 'vitest';
import { needsApproval } from '../../../shared/audit/approval';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { buildFindingsDocument } from '../../../shared/discovery/FindingsDocument';
import type { ProvenanceEntry } from '../../../shared/discovery/Provenance';
import { planHashOf } from '../../../shared/erasure/ErasurePlan';
import { looksMasked } from '../../../shared/erasure/maskValue';
import { planErasure } from '../../../shared/erasure/planErasure';
import type { ErasureCatalog } from '../../../shared/erasure/readErasureCatalog';

const MAP = parseDataMap(
  `version: 1
identities:
  email: {}
postgres:
  - table: public.a
    primaryKey: [id]
    identities: { email: email }
    erasure: delete
  - table: public.b
    primaryKey: [id]
    follow: { a_id: public.a.id }
    erasure: delete
  - table: public.c
    primaryKey: [id]
    follow: { b_id: public.b.id }
    erasure: delete
  - table: public.d
    primaryKey: [id]
    follow: { a_id: public.a.id }
  - table: public.e
    primaryKey: [id]
    follow: { a_id: public.a.id }
    erasure: { action: retain, ground: "contract law" }
`,
  'unit.yaml',
);

const identity: ProvenanceEntry = {
  column: 'email',
  identity: 'email',
  round: 1,
  source: 'request',
  via: 'identity',
};
const follow = (from: string, column: string): ProvenanceEntry => ({ column, from, round: 2, via: 'follow' });
const row = (
  id: number,
  extra: Record<string, number | string> = {},
  provenance: ProvenanceEntry[] = [identity],
) => ({
  key: { id },
  provenance,
  row: { id, ...extra },
});

function findings() {
  return buildFindingsDocument({
    requestId: 'r',
    subjectHash: 'h',
    tables: [
      { system: 'postgres', table: 'public.a', primaryKey: ['id'], rows: [row(1, { email: 'x' })] },
      {
        system: 'postgres',
        table: 'public.b',
        primaryKey: ['id'],
        rows: [row(2, { a_id: 1 }, [follow('postgres:public.a.id', 'a_id')])],
      },
      {
        system: 'postgres',
        table: 'public.c',
        primaryKey: ['id'],
        rows: [row(3, { b_id: 2 }, [follow('postgres:public.b.id', 'b_id')])],
      },
      {
        system: 'postgres',
        table: 'public.d',
        primaryKey: ['id'],
        rows: [row(4, { a_id: 1 }, [follow('postgres:public.a.id', 'a_id')])],
      },
      {
        system: 'postgres',
        table: 'public.e',
        primaryKey: ['id'],
        rows: [row(5, { a_id: 1 }, [follow('postgres:public.a.id', 'a_id')])],
      },
    ],
  });
}

describe('Function: planErasure', () => {
  it('orders deletes children before parents by follow edges when the catalog has no foreign keys', () => {
    const { plan, problems } = planErasure({ dataMap: MAP }, { findings: findings() });
    expect(problems).toEqual([]);
    expect(plan.tables.map((t) => [t.table, t.action])).toEqual([
      ['public.c', 'delete'],
      ['public.b', 'delete'],
      ['public.a', 'delete'],
      ['public.d', 'none'],
      ['public.e', 'retain'],
    ]);
    expect(plan.tables.find((t) => t.table === 'public.e')).toMatchObject({
      rows: [],
      found: 1,
      retain: { ground: 'contract law' },
    });
  });

  it('follows the catalog where it has a foreign key, even against the follow edges, and stops on a cycle', () => {
    const catalog: ErasureCatalog = {
      tables: new Map(),
      checks: [],
      sideEffects: [],
      foreignKeys: [
        {
          name: 'a_c',
          table: 'public.a',
          columns: ['c_id'],
          refTable: 'public.c',
          refColumns: ['id'],
          onDelete: 'restrict',
        },
      ],
    };
    const { problems } = planErasure({ dataMap: MAP, catalog }, { findings: findings() });
    expect(problems.filter((p) => p.code === 'DELETE_ORDER_CYCLE').map((p) => p.table)).toEqual([
      'public.a',
      'public.b',
      'public.c',
    ]);
  });

  it('holds keys and hashes, never row values, and its hash is reproducible', () => {
    const one = planErasure({ dataMap: MAP }, { findings: findings() }).plan;
    const two = planErasure({ dataMap: MAP }, { findings: findings() }).plan;
    expect(one.planHash).toBe(two.planHash);
    expect(planHashOf(one)).toBe(one.planHash);
    expect(JSON.stringify(one)).not.toContain('"x"');
  });
});

describe('Function: planErasure (a key that identifies)', () => {
  it('refuses a mask of a table whose key column is an identity column: the masked row would keep it', () => {
    // Prepare: subscribers keyed by their e-mail address, masked.
    const map = parseDataMap(
      `version: 1
identities: { email: {} }
postgres:
  - table: public.subscribers
    primaryKey: [email]
    identities: { email: email }
    erasure: { action: mask, columns: { name: null, city: null } }
`,
      'keyed.yaml',
    );
    const document = buildFindingsDocument({
      requestId: 'r',
      subjectHash: 'h',
      tables: [
        {
          system: 'postgres',
          table: 'public.subscribers',
          primaryKey: ['email'],
          rows: [
            { key: { email: 'x' }, provenance: [identity], row: { email: 'x', name: 'Ana', city: 'Porto' } },
          ],
        },
      ],
    });

    const column = (name: string, category: string) => ({
      name,
      ordinal: 1,
      typeOid: 25,
      typeName: 'text',
      castType: 'text',
      category,
      notNull: false,
    });
    const catalogWith = (keyCategory: string): ErasureCatalog => ({
      tables: new Map([
        [
          'public.subscribers',
          {
            schema: 'public',
            name: 'subscribers',
            columns: [column('email', keyCategory), column('name', 'S'), column('city', 'S')],
            primaryKey: ['email'],
            uniqueKeys: [],
          },
        ],
      ]),
      checks: [],
      sideEffects: [],
      foreignKeys: [],
    });

    // Act: keyed by the address itself, and (for contrast) by a number under the same kind.
    const { problems } = planErasure({ dataMap: map, catalog: catalogWith('S') }, { findings: document });
    const numbered = planErasure({ dataMap: map, catalog: catalogWith('N') }, { findings: document });

    // Assess
    expect(problems.filter((p) => p.code === 'MASK_REFUSED')).toEqual([
      expect.objectContaining({ table: 'public.subscribers', column: 'email', code: 'MASK_REFUSED' }),
    ]);
    expect(problems.find((p) => p.code === 'MASK_REFUSED')?.message).toContain('a masked row keeps its key');
    expect(numbered.problems.filter((p) => p.code === 'MASK_REFUSED')).toEqual([]);
  });
});

describe('Function: looksMasked', () => {
  it('tells a masked value from an edit', () => {
    expect(looksMasked({ column: 'c', strategy: 'redact', text: '[erased]' }, '[erased]')).toBe(true);
    expect(looksMasked({ column: 'c', strategy: 'redact', text: '[erased]' }, 'edited')).toBe(false);
    expect(looksMasked({ column: 'c', strategy: 'null' }, null)).toBe(true);
    expect(looksMasked({ column: 'c', strategy: 'null' }, 'x')).toBe(false);
    expect(looksMasked({ column: 'c', strategy: 'hash' }, 'a3f09b')).toBe(true);
    expect(looksMasked({ column: 'c', strategy: 'hash' }, 'ana@x.test')).toBe(false);
  });
});

describe('Function: needsApproval', () => {
  it('asks for approval above the blast radius and for tables marked approval: required', () => {
    const { plan } = planErasure({ dataMap: MAP }, { findings: findings() });
    expect(needsApproval(plan, { maxRowsWithoutApproval: 3 })).toEqual({ required: false });
    expect(needsApproval(plan, { maxRowsWithoutApproval: 2 })).toEqual({
      required: true,
      reasons: [{ code: 'BLAST_RADIUS', rows: 3, limit: 2 }],
    });
    const marked = parseDataMap(
      `version: 1
identities:
  email: {}
postgres:
  - table: public.a
    primaryKey: [id]
    identities: { email: email }
    erasure: delete
    approval: required
`,
      'unit.yaml',
    );
    const one = buildFindingsDocument({
      requestId: 'r',
      subjectHash: 'h',
      tables: [{ system: 'postgres', table: 'public.a', primaryKey: ['id'], rows: [row(1, { email: 'x' })] }],
    });
    expect(
      needsApproval(planErasure({ dataMap: marked }, { findings: one }).plan, {
        maxRowsWithoutApproval: 100,
      }),
    ).toEqual({
      required: true,
      reasons: [{ code: 'TABLE_REQUIRES_APPROVAL', system: 'postgres', table: 'public.a' }],
    });
  });

  it('stops a plan that would erase a table whose Snowflake mirror keeps a copy without a rule of its own', () => {
    const mapWith = (mirrorRule: string) =>
      parseDataMap(
        `version: 1
identities:
  email: {}
postgres:
  - table: public.a
    primaryKey: [id]
    identities: { email: email }
    mirror: ANALYTICS.PUBLIC.A
    erasure: delete
${mirrorRule}`,
        'unit.yaml',
      );
    const one = buildFindingsDocument({
      requestId: 'r',
      subjectHash: 'h',
      tables: [{ system: 'postgres', table: 'public.a', primaryKey: ['id'], rows: [row(1, { email: 'x' })] }],
    });
    const without = planErasure({ dataMap: mapWith('') }, { findings: one });
    expect(without.problems).toEqual([
      expect.objectContaining({ table: 'public.a', code: 'MIRROR_NOT_ERASED' }),
    ]);
    expect(without.problems[0]?.message).toContain('ANALYTICS.PUBLIC.A');
    const withRule = planErasure(
      {
        dataMap: mapWith(`snowflake:
  - table: ANALYTICS.PUBLIC.A
    primaryKey: [ID]
    identities: { email: EMAIL }
    erasure: delete
`),
      },
      { findings: one },
    );
    expect(withRule.problems).toEqual([]);
  });

  it('refuses a Snowflake table that follows a column which is not a key, from either system (FOLLOW_AMBIGUOUS), and not one that follows a key', () => {
    // Prepare: customer numbers repeat per tenant in PostgreSQL; the warehouse keys orders by ID.
    const map = parseDataMap(
      `version: 1
identities: { email: {} }
postgres:
  - table: public.customers
    primaryKey: [id]
    identities: { email: email }
    erasure: delete
snowflake:
  - table: DW.PUBLIC.ORDERS
    primaryKey: [ID]
    follow: { CUSTOMER_NO: public.customers.customer_no }
    erasure: delete
  - table: DW.PUBLIC.ORDER_LINES
    primaryKey: [ID]
    follow: { ORDER_ID: DW.PUBLIC.ORDERS.ID, CUSTOMER_NO: DW.PUBLIC.ORDERS.CUSTOMER_NO }
    erasure: { action: mask, columns: { NOTE: null } }
`,
      'cross.yaml',
    );
    const catalog: ErasureCatalog = {
      tables: new Map([
        [
          'public.customers',
          {
            schema: 'public',
            name: 'customers',
            columns: [],
            primaryKey: ['id'],
            uniqueKeys: [['tenant', 'customer_no']],
          },
        ],
      ]),
      checks: [],
      sideEffects: [],
      foreignKeys: [],
    };
    const document = buildFindingsDocument({
      requestId: 'r',
      subjectHash: 'h',
      tables: [
        {
          system: 'postgres',
          table: 'public.customers',
          primaryKey: ['id'],
          rows: [row(1, { email: 'x', customer_no: 42 })],
        },
        {
          system: 'snowflake',
          table: 'DW.PUBLIC.ORDERS',
          primaryKey: ['ID'],
          rows: [
            {
              key: { ID: 10 },
              provenance: [follow('postgres:public.customers.customer_no', 'CUSTOMER_NO')],
              row: { ID: 10, CUSTOMER_NO: 42 },
            },
          ],
        },
        {
          system: 'snowflake',
          table: 'DW.PUBLIC.ORDER_LINES',
          primaryKey: ['ID'],
          rows: [
            {
              key: { ID: 100 },
              provenance: [follow('snowflake:DW.PUBLIC.ORDERS.ID', 'ORDER_ID')],
              row: { ID: 100, ORDER_ID: 10, CUSTOMER_NO: 42, NOTE: 'n' },
            },
          ],
        },
      ],
    });

    // Act
    const { problems } = planErasure({ dataMap: map, catalog }, { findings: document });

    // Assess: both edges onto a customer number are refused; ORDER_LINES.ORDER_ID onto ORDERS.ID is not.
    expect(
      problems.filter((p) => p.code === 'FOLLOW_AMBIGUOUS').map((p) => [p.system, p.table, p.column]),
    ).toEqual([
      ['snowflake', 'DW.PUBLIC.ORDERS', 'CUSTOMER_NO'],
      ['snowflake', 'DW.PUBLIC.ORDER_LINES', 'CUSTOMER_NO'],
    ]);
    expect(problems.find((p) => p.table === 'DW.PUBLIC.ORDERS')?.message).toContain(
      'follows public.customers.customer_no, which is not a key there (not unique)',
    );
    expect(problems.find((p) => p.table === 'DW.PUBLIC.ORDER_LINES')?.message).toContain(
      "not the data map's single-column primary key",
    );
  });

  it('refuses a retained table, or one without a rule, that follows a column which is not a key, whatever is downstream', () => {
    // Prepare: events (retained) follow users.code, not unique; tenants (deleted) follow events by key.
    const map = parseDataMap(
      `version: 1
identities: { email: {} }
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email }
    erasure: delete
  - table: public.events
    primaryKey: [id]
    follow: { user_code: public.users.code }
    erasure: { action: retain, ground: "security logs: 1 year" }
  - table: public.notes
    primaryKey: [id]
    follow: { user_code: public.users.code }
  - table: public.tenants
    primaryKey: [id]
    follow: { id: public.events.tenant_id }
    erasure: delete
`,
      'retained.yaml',
    );
    const keyedById = (name: string) =>
      [
        `public.${name}`,
        { schema: 'public', name, columns: [], primaryKey: ['id'], uniqueKeys: [['id']] },
      ] as const;
    const catalog: ErasureCatalog = {
      tables: new Map(['users', 'events', 'notes', 'tenants'].map(keyedById)),
      checks: [],
      sideEffects: [],
      foreignKeys: [],
    };
    const document = buildFindingsDocument({
      requestId: 'r',
      subjectHash: 'h',
      tables: [
        {
          system: 'postgres',
          table: 'public.users',
          primaryKey: ['id'],
          rows: [row(1, { email: 'x', code: 'u1' })],
        },
        {
          system: 'postgres',
          table: 'public.events',
          primaryKey: ['id'],
          rows: [
            row(10, { user_code: 'u1', tenant_id: 7 }, [follow('postgres:public.users.code', 'user_code')]),
          ],
        },
        {
          system: 'postgres',
          table: 'public.notes',
          primaryKey: ['id'],
          rows: [row(20, { user_code: 'u1' }, [follow('postgres:public.users.code', 'user_code')])],
        },
        {
          system: 'postgres',
          table: 'public.tenants',
          primaryKey: ['id'],
          rows: [row(7, {}, [follow('postgres:public.events.tenant_id', 'id')])],
        },
      ],
    });

    // Act
    const { problems } = planErasure({ dataMap: map, catalog }, { findings: document });

    // Assess
    expect(
      problems
        .filter((p) => p.code === 'FOLLOW_AMBIGUOUS')
        .map((p) => p.table)
        .sort(),
    ).toEqual(['public.events', 'public.notes']);
  });
});
