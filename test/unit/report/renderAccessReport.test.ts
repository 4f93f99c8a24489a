import { describe, expect, it } from 'vitest';
import { JsonNumber } from '../../../shared/canonical/CanonicalValue';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { buildFindingsDocument } from '../../../shared/discovery/FindingsDocument';
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
    identities: { email: email }
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

function document(rows: { table: string; row: Record<string, unknown> }[]) {
  return buildFindingsDocument({
    requestId: 'REQ-1',
    subjectHash: 'h',
    tables: ['public.users', 'public.tickets'].map((table) => ({
      system: 'postgres' as const,
      table,
      primaryKey: ['id'],
      rows: rows
        .filter((r) => r.table === table)
        .map((r) => ({ key: { id: r.row.id as number }, row: r.row as never })),
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
    expect(report).toContain('| ana@example.com | 1 | 1.50 |');
    expect(report).toContain(doc.evidenceHash);
  });

  it('escapes table syntax in values, so a value cannot forge rows or markup', () => {
    const doc = document([{ table: 'public.tickets', row: { id: 7, email: 'x|y\n| forged | row |' } }]);
    const report = renderAccessReport(request, doc, map);
    expect(report).toContain('| x\\|y \\| forged \\| row \\| | 7 |');
    expect(report).not.toMatch(/^\| forged/m);
  });

  it('is the same text for the same document, and says plainly when nothing was found', () => {
    const doc = document([]);
    expect(renderAccessReport(request, doc, map)).toBe(renderAccessReport(request, doc, map));
    expect(renderAccessReport(request, doc, map)).toContain('No records were found.');
  });
});
