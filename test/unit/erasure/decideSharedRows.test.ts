import { describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { buildFindingsDocument, type Finding } from '../../../shared/discovery/FindingsDocument';
import type { ProvenanceEntry } from '../../../shared/discovery/Provenance';
import { countOtherPersons, decideSharedRows } from '../../../shared/erasure/decideSharedRows';
import { planErasure } from '../../../shared/erasure/planErasure';

const MAP = `version: 1
identities:
  email: { normalize: lowercase }
  staff: {}
postgres:
  - table: public.message
    primaryKey: [id]
    identities: { email: [sender_email, recipient_email] }
    erasure: delete
  - table: public.ticket
    primaryKey: [id]
    identities: { email: requester_email, staff: handled_by }
    erasure: RULE
  - table: public.account
    primaryKey: [id]
    identities: { email: owner_email }
    erasure: delete
  - table: public.payment
    primaryKey: [id]
    follow: { account_id: public.account.id }
    erasure: delete
`;
const PARTIES = '{ requester: [requester_email, requester_name], staff: [handled_by] }';

const byEmail = (column: string): ProvenanceEntry => ({
  column,
  identity: 'email',
  round: 1,
  source: 'request',
  via: 'identity',
});
const followed: ProvenanceEntry = {
  column: 'account_id',
  from: 'postgres:public.account.id',
  round: 2,
  via: 'follow',
};

function findings() {
  return buildFindingsDocument({
    requestId: 'r',
    subjectHash: 'h',
    tables: [
      {
        system: 'postgres',
        table: 'public.message',
        primaryKey: ['id'],
        rows: [
          {
            key: { id: 1 },
            provenance: [byEmail('sender_email')],
            row: { id: 1, sender_email: 'ana@x', recipient_email: 'ben@x' },
          },
          {
            key: { id: 2 },
            provenance: [byEmail('recipient_email')],
            row: { id: 2, sender_email: 'BEN@x ', recipient_email: 'ana@x' },
          },
          {
            key: { id: 3 },
            provenance: [byEmail('sender_email')],
            row: { id: 3, sender_email: 'ana@x', recipient_email: null },
          },
          {
            key: { id: 4 },
            provenance: [byEmail('sender_email')],
            row: { id: 4, sender_email: 'ana@x', recipient_email: 'Ana@X' },
          },
        ],
      },
      {
        system: 'postgres',
        table: 'public.ticket',
        primaryKey: ['id'],
        rows: [
          {
            key: { id: 7 },
            provenance: [byEmail('requester_email')],
            row: { id: 7, requester_email: 'ana@x', requester_name: 'Ana', handled_by: 'sam', body: 'late' },
          },
        ],
      },
      {
        system: 'postgres',
        table: 'public.account',
        primaryKey: ['id'],
        rows: [
          { key: { id: 9 }, provenance: [byEmail('owner_email')], row: { id: 9, owner_email: 'ana@x' } },
        ],
      },
      {
        system: 'postgres',
        table: 'public.payment',
        primaryKey: ['id'],
        rows: [{ key: { id: 90 }, provenance: [followed], row: { id: 90, account_id: 9 } }],
      },
    ],
  });
}

const find = (doc: ReturnType<typeof findings>, table: string, id: number) =>
  doc.findings.find((f) => f.table === table && f.key.id === id) as Finding;

describe('Function: decideSharedRows', () => {
  it("marks a row holding another person's identifier of the same kind, comparing values as the kind normalises them", () => {
    // Prepare
    const map = parseDataMap(MAP.replace('RULE', 'delete'), 'unit.yaml');
    const doc = findings();

    // Act
    const shared = decideSharedRows(map, doc, { email: ['ana@x'] }, new Map());

    // Assess: messages 1 and 2 name Ben (the same person twice); 3 names nobody else, 4 Ana twice.
    expect([1, 2, 3, 4].map((id) => shared.has(find(doc, 'public.message', id)))).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(countOtherPersons([1, 2].map((id) => shared.get(find(doc, 'public.message', id)) as never))).toBe(
      1,
    );
    // Without parties a staff member of another kind does not make the ticket shared.
    expect(shared.has(find(doc, 'public.ticket', 7))).toBe(false);
  });

  it('with parties, any other party holding an identity value is another person, and the subject parties are named', () => {
    // Prepare
    const rule = `{ action: mask, columns: { requester_email: hash, requester_name: null, body: null }, shared: mask-own, parties: ${PARTIES} }`;
    const map = parseDataMap(MAP.replace('RULE', rule), 'unit.yaml');
    const doc = findings();

    // Act
    const shared = decideSharedRows(map, doc, { email: ['ana@x'] }, new Map());
    const { plan } = planErasure({ dataMap: map }, { findings: doc, shared });

    // Assess: only the requester's columns are masked; the text (in no party) stays.
    expect(shared.get(find(doc, 'public.ticket', 7))?.subjectParties).toEqual(['requester']);
    expect(
      plan.tables
        .filter((t) => t.table === 'public.ticket')
        .map((t) => [t.party ?? null, t.rows.length, t.mask?.map((m) => m.column)]),
    ).toEqual([
      [null, 0, ['body', 'requester_email', 'requester_name']],
      ['requester', 1, ['requester_email', 'requester_name']],
    ]);
  });

  it('marks rows reached only through shared rows (a joint account’s payments), and plans them retained', () => {
    // Prepare
    const map = parseDataMap(MAP.replace('RULE', 'delete'), 'unit.yaml');
    const doc = findings();
    const referenced = new Map([[find(doc, 'public.account', 9), { 'public.holder': 1 }]]);

    // Act
    const shared = decideSharedRows(map, doc, { email: ['ana@x'] }, referenced);
    const { plan } = planErasure({ dataMap: map }, { findings: doc, shared });

    // Assess
    expect(shared.get(find(doc, 'public.payment', 90))).toEqual({
      referencedBy: {},
      others: [],
      through: true,
    });
    expect(plan.tables.find((t) => t.table === 'public.payment')).toMatchObject({
      rows: [],
      shared: { setting: 'retain', retained: [{ key: { id: 90 } }], through: 1 },
    });
    expect(plan.tables.find((t) => t.table === 'public.account')).toMatchObject({
      rows: [],
      shared: { referencedBy: { 'public.holder': 1 }, otherPersons: 0 },
    });
    expect(JSON.stringify(plan)).not.toContain('ben@x');
  });
});

describe('Function: parseDataMap (shared rows)', () => {
  const refused = (rule: string, system: 'postgres' | 'snowflake' = 'postgres') => {
    const yaml =
      system === 'postgres'
        ? MAP.replace('RULE', rule)
        : `${MAP.replace('RULE', 'delete')}snowflake:\n  - table: A.B.C\n    primaryKey: [ID]\n    identities: { email: EMAIL, staff: OTHER }\n    erasure: ${rule}\n`;
    try {
      parseDataMap(yaml, 'unit.yaml');
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };

  it('fails if mask-own is set on a delete rule, without parties, or an identity column is in no party', () => {
    expect(refused('{ action: delete, shared: mask-own }')).toContain(
      "shared: mask-own masks the subject's own columns of a shared row, so it needs action: mask",
    );
    expect(refused('{ action: mask, columns: { body: null }, shared: mask-own }')).toContain(
      'shared: mask-own needs parties, the columns of each person a row mentions',
    );
    expect(
      refused(
        '{ action: mask, columns: { body: null }, parties: { requester: [requester_email], other: [body] } }',
      ),
    ).toContain('handled_by (identity staff) is in no party');
    expect(refused('{ action: delete, shared: keep }')).toContain(
      'postgres[1].erasure.shared (line 13): shared: keep is not a setting: use retain',
    );
    expect(refused(`{ action: mask, columns: { body: null }, shared: mask-own, parties: ${PARTIES} }`)).toBe(
      'accepted',
    );
  });

  it('fails on a Snowflake table for the same reasons as on a PostgreSQL one, and accepts the same settings', () => {
    expect(refused('{ action: delete, shared: mask-own }', 'snowflake')).toContain(
      "snowflake[0].erasure.shared (line 26): shared: mask-own masks the subject's own columns of a shared row, so it needs action: mask",
    );
    expect(refused('{ action: mask, columns: { NOTE: null }, shared: mask-own }', 'snowflake')).toContain(
      'shared: mask-own needs parties',
    );
    expect(refused('{ action: delete, shared: keep }', 'snowflake')).toContain(
      'shared: keep is not a setting: use retain',
    );
    expect(
      refused('{ action: mask, columns: { NOTE: null }, parties: { a: [NOTE], b: [NAME] } }', 'snowflake'),
    ).toContain('EMAIL (identity email) is in no party');
    expect(refused('{ action: delete, parties: { a: [EMAIL, NAME], b: [NAME] } }', 'snowflake')).toContain(
      'NAME is in parties a and b: a column belongs to one party',
    );
    expect(refused('{ action: delete, shared: retain }', 'snowflake')).toBe('accepted');
    expect(refused('{ action: delete, shared: erase }', 'snowflake')).toBe('accepted');
    expect(
      refused(
        '{ action: mask, columns: { EMAIL: hash, NOTE: null }, shared: mask-own, parties: { me: [EMAIL], them: [OTHER] } }',
        'snowflake',
      ),
    ).toBe('accepted');
  });
});

describe('Function: decideSharedRows (Snowflake rows)', () => {
  const SF_MAP = `version: 1
identities:
  email: { normalize: lowercase }
  staff: {}
snowflake:
  - table: A.B.MESSAGES
    primaryKey: [ID]
    identities: { email: [SENDER, RECIPIENT] }
    erasure: delete
  - table: A.B.TICKETS
    primaryKey: [ID]
    identities: { email: REQUESTER, staff: HANDLER }
    erasure: RULE
  - table: A.B.ATTACHMENTS
    primaryKey: [ID]
    follow: { MESSAGE_ID: A.B.MESSAGES.ID }
    erasure: delete
`;
  const sfEmail = (column: string): ProvenanceEntry => ({ ...byEmail(column) });
  const sfFindings = () =>
    buildFindingsDocument({
      requestId: 'r',
      subjectHash: 'h',
      tables: [
        {
          system: 'snowflake',
          table: 'A.B.MESSAGES',
          primaryKey: ['ID'],
          rows: [
            {
              key: { ID: '1' },
              provenance: [sfEmail('SENDER')],
              row: { ID: '1', SENDER: 'ana@x', RECIPIENT: 'Ben@x' },
            },
            {
              key: { ID: '2' },
              provenance: [sfEmail('SENDER')],
              row: { ID: '2', SENDER: 'ana@x', RECIPIENT: null },
            },
            {
              key: { ID: '3' },
              provenance: [sfEmail('RECIPIENT')],
              row: { ID: '3', SENDER: 'ANA@x', RECIPIENT: 'ana@x' },
            },
          ],
        },
        {
          system: 'snowflake',
          table: 'A.B.TICKETS',
          primaryKey: ['ID'],
          rows: [
            {
              key: { ID: '7' },
              provenance: [sfEmail('REQUESTER')],
              row: { ID: '7', REQUESTER: 'ana@x', HANDLER: 'sam', BODY: 'late' },
            },
          ],
        },
        {
          system: 'snowflake',
          table: 'A.B.ATTACHMENTS',
          primaryKey: ['ID'],
          rows: [
            {
              key: { ID: '50' },
              provenance: [
                { column: 'MESSAGE_ID', from: 'snowflake:A.B.MESSAGES.ID', round: 2, via: 'follow' },
              ],
              row: { ID: '50', MESSAGE_ID: '1' },
            },
            {
              key: { ID: '51' },
              provenance: [
                { column: 'MESSAGE_ID', from: 'snowflake:A.B.MESSAGES.ID', round: 2, via: 'follow' },
              ],
              row: { ID: '51', MESSAGE_ID: '2' },
            },
          ],
        },
      ],
    });
  const sfFind = (doc: ReturnType<typeof sfFindings>, table: string, id: string) =>
    doc.findings.find((f) => f.table === table && f.key.ID === id) as Finding;

  it("marks a Snowflake row holding another person's identifier of the same kind, and the rows reached only through it", () => {
    // Prepare
    const map = parseDataMap(SF_MAP.replace('RULE', 'delete'), 'unit.yaml');
    const doc = sfFindings();

    // Act
    const shared = decideSharedRows(map, doc, { email: ['ana@x'] }, new Map());
    const { plan } = planErasure({ dataMap: map }, { findings: doc, shared });

    // Assess: message 1 names Ben; 2 nobody else; 3 Ana twice. Attachment 50 hangs off message 1 only.
    expect(['1', '2', '3'].map((id) => shared.has(sfFind(doc, 'A.B.MESSAGES', id)))).toEqual([
      true,
      false,
      false,
    ]);
    expect(shared.get(sfFind(doc, 'A.B.MESSAGES', '1'))?.others).toEqual([['email\u0000ben@x']]);
    expect(shared.get(sfFind(doc, 'A.B.ATTACHMENTS', '50'))?.through).toBe(true);
    expect(shared.has(sfFind(doc, 'A.B.ATTACHMENTS', '51'))).toBe(false);
    // Without parties a staff member of another kind does not make the ticket shared.
    expect(shared.has(sfFind(doc, 'A.B.TICKETS', '7'))).toBe(false);
    expect(plan.tables.find((t) => t.table === 'A.B.MESSAGES')).toMatchObject({
      system: 'snowflake',
      rows: [{ key: { ID: '2' } }, { key: { ID: '3' } }],
      shared: { setting: 'retain', retained: [{ key: { ID: '1' } }], otherPersons: 1, referencedBy: {} },
    });
    expect(plan.tables.find((t) => t.table === 'A.B.ATTACHMENTS')).toMatchObject({
      rows: [{ key: { ID: '51' } }],
      shared: { retained: [{ key: { ID: '50' } }], through: 1 },
    });
    expect(JSON.stringify(plan)).not.toMatch(/ben@x/i);
  });

  it('with parties on a Snowflake table, plans one mask entry for the subject’s party with its columns only', () => {
    // Prepare
    const rule =
      '{ action: mask, columns: { REQUESTER: hash, REQUESTER_NAME: null, HANDLER: hash, BODY: null }, shared: mask-own, parties: { requester: [REQUESTER, REQUESTER_NAME], staff: [HANDLER] } }';
    const map = parseDataMap(SF_MAP.replace('RULE', rule), 'unit.yaml');
    const doc = sfFindings();

    // Act
    const shared = decideSharedRows(map, doc, { email: ['ana@x'] }, new Map());
    const { plan } = planErasure({ dataMap: map }, { findings: doc, shared });

    // Assess: the staff member is another person; the handler's column and the text stay.
    expect(shared.get(sfFind(doc, 'A.B.TICKETS', '7'))).toMatchObject({
      subjectParties: ['requester'],
      others: [['staff\u0000sam']],
    });
    expect(
      plan.tables
        .filter((t) => t.table === 'A.B.TICKETS')
        .map((t) => [t.system, t.party ?? null, t.rows.length, t.mask?.map((m) => m.column)]),
    ).toEqual([
      ['snowflake', null, 0, ['BODY', 'HANDLER', 'REQUESTER', 'REQUESTER_NAME']],
      ['snowflake', 'requester', 1, ['REQUESTER', 'REQUESTER_NAME']],
    ]);
  });

  it("shares a row whose other follow column onto the people table holds someone else's key, comparing a foreign key's whole pair", () => {
    // Prepare: users are keyed by (tenant, id); Ana is (t1, 1) and (t3, 57); (t1, 57) is someone else.
    const map = parseDataMap(
      `version: 1
identities: { email: { normalize: lowercase } }
postgres:
  - table: app.users
    primaryKey: [tenant, id]
    identities: { email: email }
    erasure: delete
  - table: app.messages
    primaryKey: [id]
    follow: { sender_id: app.users.id, recipient_id: app.users.id }
    erasure: delete
`,
      'messages.yaml',
    );
    const sent = (id: number, tenant: string, sender: number, recipient: number | null) => ({
      key: { id },
      provenance: [
        { column: 'sender_id', from: 'postgres:app.users.id', round: 2, via: 'follow' } as ProvenanceEntry,
      ],
      row: { id, tenant, sender_id: sender, recipient_id: recipient, body: 'hi' },
    });
    const document = buildFindingsDocument({
      requestId: 'r',
      subjectHash: 'h',
      tables: [
        {
          system: 'postgres',
          table: 'app.users',
          primaryKey: ['tenant', 'id'],
          rows: [
            {
              key: { tenant: 't1', id: 1 },
              provenance: [byEmail('email')],
              row: { tenant: 't1', id: 1, email: 'ana@x' },
            },
            {
              key: { tenant: 't3', id: 57 },
              provenance: [byEmail('email')],
              row: { tenant: 't3', id: 57, email: 'ana@x' },
            },
          ],
        },
        {
          system: 'postgres',
          table: 'app.messages',
          primaryKey: ['id'],
          // To Carl (2); to herself; a draft with no recipient; to (t1, 57), not Ana's 57.
          rows: [sent(1, 't1', 1, 2), sent(2, 't1', 1, 1), sent(3, 't1', 1, null), sent(4, 't1', 1, 57)],
        },
      ],
    });
    const pair = (column: string) => ({
      name: `messages_${column}`,
      table: 'app.messages',
      columns: ['tenant', column],
      refTable: 'app.users',
      refColumns: ['tenant', 'id'],
      onDelete: 'no action' as const,
    });
    const ids = (shared: Map<Finding, unknown>) => [...shared.keys()].map((f) => f.key.id).sort();

    // Act
    const byColumn = decideSharedRows(map, document, { email: ['ana@x'] }, new Map());
    const byPair = decideSharedRows(map, document, { email: ['ana@x'] }, new Map(), [
      pair('sender_id'),
      pair('recipient_id'),
    ]);

    // Assess: by the id alone, 57 looks like Ana's; the foreign keys' pairs tell (t1, 57) apart.
    expect(ids(byColumn)).toEqual([1]);
    expect(ids(byPair)).toEqual([1, 4]);
    expect(countOtherPersons([...byPair.values()])).toBe(2);
    const { plan } = planErasure({ dataMap: map }, { findings: document, shared: byPair });
    expect(plan.tables.find((t) => t.table === 'app.messages')?.rows.map((r) => r.key.id)).toEqual([2, 3]);
  });
});
