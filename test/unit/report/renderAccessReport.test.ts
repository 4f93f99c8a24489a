import { describe, expect, it } from 'vitest';
import { JsonNumber } from '../../../shared/canonical/CanonicalValue';
import { parseExactJson } from '../../../shared/canonical/parseExactJson';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { buildFindingsDocument } from '../../../shared/discovery/FindingsDocument';
import type { ProvenanceEntry } from '../../../shared/discovery/Provenance';
import { renderAccessReport } from '../../../shared/report/renderAccessReport';

const map = parseDataMap(
  `version: 1
identities: { email: { normalize: lowercase } }
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email }
    disclosure:
      purposes: [running your account]
      recipients: [mail provider]
  - table: public.tickets
    primaryKey: [id]
    identities: { email: [email, cc_email] }
    categories: { email: contact.email, cc_email: contact.email, body: communication.content }
  - table: public.ticket_notes
    primaryKey: [id]
    follow: { ticket_id: public.tickets.id }
`,
  'map.yaml',
);

const request = {
  requestId: 'REQ-1',
  type: 'access',
  jurisdiction: 'GDPR',
  receivedAt: '2026-01-31T10:00:00.000Z',
  deadline: '2026-02-28T23:59:59.999Z',
};

const byEmail: ProvenanceEntry = {
  column: 'email',
  identity: 'email',
  round: 1,
  source: 'request',
  via: 'identity',
};

function document(rows: { table: string; row: Record<string, unknown>; provenance?: ProvenanceEntry[] }[]) {
  return buildFindingsDocument({
    requestId: 'REQ-1',
    subjectHash: 'h',
    tables: ['public.users', 'public.tickets', 'public.ticket_notes'].map((table) => ({
      system: 'postgres' as const,
      table,
      primaryKey: ['id'],
      rows: rows
        .filter((r) => r.table === table)
        .map((r) => ({
          key: { id: r.row.id as number },
          provenance: r.provenance ?? [byEmail],
          row: r.row as never,
        })),
    })),
  });
}

describe('Function: renderAccessReport', () => {
  it('lists what was found where under the Art. 15 headings, with declared disclosures and plain gaps', () => {
    const doc = document([
      { table: 'public.users', row: { id: 1, email: 'ana@example.com', score: new JsonNumber('1.50') } },
    ]);
    const report = renderAccessReport(request, doc, map);
    for (const heading of [
      '(a) Purposes',
      '(b) Categories',
      '(c) Recipients',
      '(d) Retention',
      '(e)',
      '(f)',
      '(g)',
      '(h)',
      '15(3)',
    ])
      expect(report).toContain(`Art. 15${heading.startsWith('15') ? heading.slice(2) : `(1)${heading}`}`);
    expect(report).toContain('| postgres | public.users | 1 |');
    expect(report).toContain('| postgres | public.tickets | 0 |');
    expect(report).toContain('**public.users** (postgres): running your account');
    expect(report).toContain('**public.users** (postgres): mail provider');
    // Nothing declared about retention: said so, not invented.
    expect(report).toMatch(
      /Retention period\n\n- \*\*public\.users\*\* \(postgres\): _Not declared in the data map\._/,
    );
    expect(report).toContain(
      '| ana@example.com | 1 | 1.50 | found by your email address (in column email) |',
    );
    expect(report).toContain(doc.evidenceHash);
  });

  it('escapes table syntax in values, so a value cannot forge rows or markup', () => {
    const doc = document([{ table: 'public.tickets', row: { id: 7, email: 'x|y\n| forged | row |' } }]);
    const report = renderAccessReport(request, doc, map);
    expect(report).toContain(
      '| x\\|y \\| forged \\| row \\| | 7 | found by your email address (in column email) |',
    );
    expect(report).not.toMatch(/^\| forged/m);
  });

  it('is the same text for the same document, and says plainly when nothing was found', () => {
    const doc = document([]);
    expect(renderAccessReport(request, doc, map)).toBe(renderAccessReport(request, doc, map));
    expect(renderAccessReport(request, doc, map)).toContain('No records were found.');
  });

  it('says in plain words how each record was found, and groups columns by their declared categories', () => {
    const doc = document([
      {
        table: 'public.tickets',
        row: { id: 7, email: 'ana@example.com', cc_email: null, body: 'hello', status: 'open' },
        provenance: [
          { column: 'cc_email', identity: 'email', round: 2, source: 'learned', via: 'identity' },
          { column: 'email', identity: 'email', round: 2, source: 'learned', via: 'identity' },
        ],
      },
      {
        table: 'public.ticket_notes',
        row: { id: 70, ticket_id: 7, note: 'called back' },
        provenance: [{ column: 'ticket_id', from: 'postgres:public.tickets.id', round: 3, via: 'follow' }],
      },
    ]);
    const report = renderAccessReport(request, doc, map);
    expect(report).toContain(
      '- **public.tickets** (postgres): communication.content: body; contact.email: cc\\_email, email; other fields: id, status',
    );
    // No categories declared: the plain list of fields.
    expect(report).toContain('- **public.ticket\\_notes** (postgres): fields: id, note, ticket\\_id');
    expect(report).toContain(
      '- found by your email address (in column cc\\_email), which was learned from your other records',
    );
    expect(report).toContain(
      '| 70 | called back | 7 | linked from public.tickets (column id, through column ticket\\_id) found in round 3 |',
    );
    // Provenance names kinds and columns, never the values matched.
    expect(report.split('How these records were found')[1]?.split('|')[0]).not.toContain('ana@example.com');
  });

  it('lists columns named constructor and __proto__ as fields without a category', () => {
    const row = parseExactJson('{"__proto__":"p","constructor":"c","id":3}') as Record<string, unknown>;
    const report = renderAccessReport(request, document([{ table: 'public.ticket_notes', row }]), map);
    // Markdown escapes the underscores.
    expect(report).toContain('\\_\\_proto\\_\\_');
    expect(report).toContain('constructor');
    // Not taken for categories: Object's own constructor and prototype are no category names.
    expect(report).not.toMatch(/native code|\[object Object\]/);
  });
});
