import { describe, expect, it } from 'vitest';
import { buildFindingsDocument, serializeFindingsDocument } from '../../../shared/discovery/FindingsDocument';
import { keylessFindingKey, keylessRowKeys } from '../../../shared/discovery/keylessRowKeys';
import type { ProvenanceEntry } from '../../../shared/discovery/Provenance';

const byEmail: ProvenanceEntry = {
  column: 'email',
  identity: 'email',
  round: 1,
  source: 'request',
  via: 'identity',
};
const byUser: ProvenanceEntry = {
  column: 'user_id',
  from: 'postgres:public.users.id',
  round: 2,
  via: 'follow',
};

describe('Function: buildFindingsDocument', () => {
  it('writes each finding in canonical form with its provenance, keys sorted', () => {
    const document = buildFindingsDocument({
      requestId: 'r',
      subjectHash: 'h',
      tables: [
        {
          system: 'postgres',
          table: 'public.users',
          primaryKey: ['id'],
          rows: [{ key: { id: 1 }, provenance: [byEmail], row: { id: 1 } }],
        },
      ],
    });
    expect(serializeFindingsDocument(document)).toBe(
      '{"counts":{"postgres":{"public.users":1}},' +
        `"evidenceHash":"${document.evidenceHash}",` +
        '"findings":[{"key":{"id":1},"provenance":[{"column":"email","identity":"email","round":1,"source":"request","via":"identity"}],' +
        '"row":{"id":1},"system":"postgres","table":"public.users"}],"requestId":"r","subject":{"hash":"h"}}',
    );
  });

  it('puts provenance in the evidence hash: the same rows reached differently hash differently', () => {
    const build = (provenance: ProvenanceEntry[]) =>
      buildFindingsDocument({
        requestId: 'r',
        subjectHash: 'h',
        tables: [
          {
            system: 'postgres',
            table: 'public.orders',
            primaryKey: ['id'],
            rows: [{ key: { id: 7 }, provenance, row: { id: 7 } }],
          },
        ],
      }).evidenceHash;
    expect(build([byUser])).toBe(build([byUser]));
    expect(build([byUser])).not.toBe(build([byEmail]));
    expect(build([byUser])).not.toBe(build([{ ...byUser, round: 3 }]));
  });

  it('sorts a keyless table by row hash, then occurrence, whatever order rows arrived in', () => {
    const rows = [{ e: 'b' }, { e: 'a' }, { e: 'b' }, { e: 'c' }].map((row, i) => ({
      key: keylessFindingKey(row, i === 2 ? 2 : 1),
      provenance: [byUser],
      row,
    }));
    const sorted = (order: number[]) =>
      serializeFindingsDocument(
        buildFindingsDocument({
          requestId: 'r',
          subjectHash: 'h',
          tables: [
            {
              system: 'postgres',
              table: 'public.audit',
              primaryKey: [],
              rows: order.map((i) => rows[i] as (typeof rows)[number]),
            },
          ],
        }),
      );
    expect(sorted([0, 1, 2, 3])).toBe(sorted([3, 2, 1, 0]));
    const findings = JSON.parse(sorted([2, 0, 3, 1])).findings as { key: { _n: number; _row: string } }[];
    const keys = findings.map((f) => f.key);
    expect(keys.map((k) => k._row)).toEqual([...keys.map((k) => k._row)].sort());
    expect(keys.filter((k) => k._n === 2)).toHaveLength(1);
  });
});

describe('Function: keylessRowKeys', () => {
  it("keys each meeting by the row's hash, its search and its place there; a new search gets a new id", () => {
    const first = keylessRowKeys();
    const a = first({ x: 1, y: 'a' });
    expect(first({ y: 'a', x: 1 })).toEqual({ ...a, _seq: 2 });
    expect(first({ x: 2, y: 'a' })).toMatchObject({ _search: a._search, _seq: 3 });
    expect(a._row).toMatch(/^[0-9a-f]{64}$/);
    expect(a._row).toBe(keylessFindingKey({ y: 'a', x: 1 }, 1)._row);
    const second = keylessRowKeys()({ x: 1, y: 'a' });
    expect(second).toMatchObject({ _row: a._row, _seq: 1 });
    expect(second._search).not.toBe(a._search);
  });
});
