import { describe, expect, it } from 'vitest';
import type { CanonicalRow } from '../../../shared/canonical/CanonicalValue';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { identityKey, planSearch } from '../../../shared/discovery/planSearch';
import type { FoundRow, TableSearcher } from '../../../shared/discovery/SearchableTable';
import { traverse } from '../../../shared/discovery/traverse';

/** Tables held in memory; records every search it is asked for. */
function memorySearcher(tables: Record<string, CanonicalRow[]>) {
  const calls: string[] = [];
  const searcher: TableSearcher = {
    async search(table, input, values, onPage) {
      calls.push(`${table.table}.${input.column}=${values.join('|')}`);
      const rows = (tables[table.table] ?? []).filter((row) => values.includes(String(row[input.column])));
      onPage(rows.map((row): FoundRow => ({ key: { id: row.id ?? null }, row })));
    },
  };
  return { searcher, calls };
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
        { id: 11, user_id: 2, friend_of: 10 },
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
      'public.friends.friend_of=10',
      'public.friends.friend_of=11',
    ]);
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
});
