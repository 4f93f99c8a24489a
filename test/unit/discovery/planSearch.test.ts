import { describe, expect, it } from 'vitest';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { planSearch } from '../../../shared/discovery/planSearch';

const map = parseDataMap(
  `version: 1
identities: { email: { normalize: lowercase }, user_id: {} }
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email, user_id: id }
    exclude: [password_hash]
    mirror: ANALYTICS.PUBLIC.USERS
  - table: public.orders
    primaryKey: [id]
    follow: { user_id: public.users.id }
`,
  'map.yaml',
);

describe('Function: planSearch', () => {
  it('plans only the mapped tables unless mirrors are asked for', () => {
    expect(planSearch(map).map((t) => `${t.system}:${t.table}`)).toEqual([
      'postgres:public.users',
      'postgres:public.orders',
    ]);
  });

  it("plans each mirror like its source: same value keys, upper-cased columns, the source's excludes", () => {
    const mirror = planSearch(map, { mirrors: true }).find((t) => t.table === 'ANALYTICS.PUBLIC.USERS');
    expect(mirror).toEqual({
      system: 'snowflake',
      table: 'ANALYTICS.PUBLIC.USERS',
      primaryKey: ['ID'],
      exclude: ['PASSWORD_HASH'],
      inputs: [
        { valueKey: 'identity:email', column: 'EMAIL', normalize: 'lowercase' },
        { valueKey: 'identity:user_id', column: 'ID', normalize: 'none' },
      ],
      outputs: [
        { valueKey: 'identity:email', column: 'EMAIL', normalize: 'lowercase' },
        { valueKey: 'identity:user_id', column: 'ID', normalize: 'none' },
        { valueKey: 'column:postgres:public.users.id', column: 'ID', normalize: 'none' },
      ],
    });
  });
});
