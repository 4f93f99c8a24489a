import { describe, expect, it } from 'vitest';
import { loadDataMap, parseDataMap } from '../../../shared/datamap/loadDataMap';
import { DataMapError } from '../../../shared/errors/errors';

const valid = `version: 1
identities:
  email:   { normalize: lowercase }
  user_id: {}
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email, user_id: id }
    exclude: [password_hash]
  - table: public.orders
    primaryKey: [id]
    follow: { user_id: public.users.id }
`;

function problemsOf(text: string): { path: string; message: string; line?: number }[] {
  try {
    parseDataMap(text, 'map.yaml');
  } catch (error) {
    if (error instanceof DataMapError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the data map to be refused');
}

describe('Function: parseDataMap', () => {
  it('accepts a valid map and fills defaults', () => {
    const map = parseDataMap(valid, 'map.yaml');
    expect(map.identities.user_id?.normalize).toBe('none');
    // One column or one reference is read as a list of one.
    expect(map.postgres[1]?.follow).toEqual({ user_id: ['public.users.id'] });
    expect(map.postgres[0]?.identities).toEqual({ email: ['email'], user_id: ['id'] });
    expect(map.postgres[0]?.learn).toEqual([]);
    expect(map.postgres[0]?.categories).toEqual({});
    expect(map.postgres[0]?.columns).toBeUndefined();
    expect(map.snowflake).toEqual([]);
  });

  it('names the path and the line of a wrong value', () => {
    const problems = problemsOf(valid.replace('public.users.id', 'users.id'));
    expect(problems).toEqual([
      {
        path: 'postgres[1].follow.user_id',
        message: expect.stringMatching(/schema\.table\.column/),
        line: 12,
      },
    ]);
  });

  it('accepts a table without a primary key (keyless), but not an empty key', () => {
    const keyless = parseDataMap(valid.replace('    primaryKey: [id]\n    follow', '    follow'), 'map.yaml');
    expect(keyless.postgres[1]?.primaryKey).toEqual([]);
    const problems = problemsOf(
      valid.replace('    primaryKey: [id]\n    follow', '    primaryKey: []\n    follow'),
    );
    expect(problems[0]).toMatchObject({
      path: 'postgres[1].primaryKey',
      message: expect.stringMatching(/omit primaryKey/),
    });
  });

  it('reads several columns per identity kind and several references per follow column, across systems', () => {
    const map = parseDataMap(
      `version: 1
identities: { email: {}, user_id: {} }
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: [email, alt_email], user_id: id }
    learn: [user_id]
  - table: public.address
    primaryKey: [id]
    follow: { id: [public.users.address_id, public.orders.billing_address_id] }
  - table: public.orders
    primaryKey: [id]
    follow: { user_id: [public.users.id, ANALYTICS.PUBLIC.ACCOUNTS.USER_ID] }
snowflake:
  - table: ANALYTICS.PUBLIC.ACCOUNTS
    primaryKey: [ACCOUNT_ID]
    follow: { USER_ID: public.users.id }
`,
      'map.yaml',
    );
    expect(map.postgres[0]?.identities.email).toEqual(['email', 'alt_email']);
    expect(map.postgres[1]?.follow.id).toEqual([
      'public.users.address_id',
      'public.orders.billing_address_id',
    ]);
    expect(map.snowflake[0]?.follow.USER_ID).toEqual(['public.users.id']);
  });

  it('refuses learning a kind the table does not map', () => {
    const problems = problemsOf(
      valid.replace(
        '    exclude: [password_hash]',
        '    learn: [user_id, phone]\n    exclude: [password_hash]',
      ),
    );
    expect(problems).toEqual([
      expect.objectContaining({
        path: 'postgres[0].learn[1]',
        message: expect.stringMatching(/does not map/),
      }),
    ]);
  });

  it('refuses a follow reference to a table of the other system that is not in the map', () => {
    const problems = problemsOf(valid.replace('public.users.id', 'ANALYTICS.PUBLIC.USERS.ID'));
    expect(problems[0]).toMatchObject({
      path: 'postgres[1].follow.user_id',
      message: 'follows ANALYTICS.PUBLIC.USERS, which is not a snowflake table of this data map',
    });
  });

  it('refuses a columns allow-list that leaves out key, identity or followed columns, or overlaps exclude', () => {
    const problems = problemsOf(
      valid.replace(
        '    exclude: [password_hash]',
        '    columns: [email, name, password_hash]\n    exclude: [password_hash]',
      ),
    );
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'postgres[0].exclude[0]: password_hash is both in columns and excluded; keep it in one of them',
      'postgres[0].columns: id is a primary-key column: add it to columns',
    ]);
    const follow = problemsOf(`${valid}    columns: [id, total]\n`);
    expect(follow.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'postgres[1].columns: user_id is a follow column: add it to columns',
    ]);
    expect(parseDataMap(`${valid}    columns: [id, user_id]\n`, 'map.yaml').postgres[1]?.columns).toEqual([
      'id',
      'user_id',
    ]);
  });

  it('refuses categories for columns that are not returned, and malformed categories', () => {
    const problems = problemsOf(
      valid.replace(
        '    exclude: [password_hash]',
        '    exclude: [password_hash]\n    categories: { password_hash: account.secret, email: Contact }',
      ),
    );
    expect(problems.map((p) => p.path)).toEqual(['postgres[0].categories.email']);
    const hidden = problemsOf(
      valid.replace(
        '    exclude: [password_hash]',
        '    exclude: [password_hash]\n    categories: { password_hash: account.secret }',
      ),
    );
    expect(hidden).toEqual([
      expect.objectContaining({
        path: 'postgres[0].categories.password_hash',
        message: expect.stringMatching(/not returned \(excluded\)/),
      }),
    ]);
  });

  it('refuses identifiers that try to break out of quoting', () => {
    const problems = problemsOf(
      valid.replace('exclude: [password_hash]', "exclude: ['x\" ; DROP TABLE users; --']"),
    );
    expect(problems[0]).toMatchObject({
      path: 'postgres[0].exclude[0]',
      message: expect.stringMatching(/plain identifier/),
    });
  });

  it('reads followWhere for a follow column, and refuses it elsewhere, with quotes, or naming two columns', () => {
    const narrowed = (where: string) =>
      valid.replace(
        'follow: { user_id: public.users.id }',
        `follow: { user_id: public.users.id }\n    followWhere: ${where}`,
      );
    expect(
      parseDataMap(narrowed('{ user_id: { owner_type: [User, Admin] } }'), 'map.yaml').postgres[1]
        ?.followWhere,
    ).toEqual({ user_id: { owner_type: ['User', 'Admin'] } });
    expect(problemsOf(narrowed('{ total: { owner_type: User } }'))[0]).toMatchObject({
      path: 'postgres[1].followWhere.total',
      message: expect.stringMatching(/is not a follow column of public\.orders/),
    });
    expect(problemsOf(narrowed(`{ user_id: { owner_type: "x' OR true --" } }`))[0]).toMatchObject({
      path: 'postgres[1].followWhere.user_id.owner_type',
      message: expect.stringMatching(/no quotes or backslashes/),
    });
    expect(
      parseDataMap(narrowed('{ user_id: { owner_type: 7 } }'), 'map.yaml').postgres[1]?.followWhere,
    ).toEqual({
      user_id: { owner_type: ['7'] },
    });
    expect(
      problemsOf(
        narrowed('{ user_id: { owner_type: User } }').replace(
          'follow: {',
          'exclude: [owner_type]\n    follow: {',
        ),
      )[0],
    ).toMatchObject({
      path: 'postgres[1].exclude[0]',
      message: 'owner_type is a followWhere column: it cannot be excluded',
    });
    expect(problemsOf(narrowed('{ user_id: { owner_type: User, kind: a } }'))[0]).toMatchObject({
      path: 'postgres[1].followWhere.user_id',
      message: expect.stringMatching(/name one column/),
    });
  });

  it('refuses an identity kind that is not declared', () => {
    const problems = problemsOf(
      valid.replace('identities: { email: email, user_id: id }', 'identities: { mail: email }'),
    );
    expect(problems[0]).toMatchObject({
      path: 'postgres[0].identities.mail',
      message: expect.stringMatching(/unknown identity kind/),
    });
  });

  it('refuses a follow edge to a table that is not in the map', () => {
    const problems = problemsOf(valid.replace('public.users.id', 'public.accounts.id'));
    expect(problems.map((p) => p.path)).toContain('postgres[1].follow.user_id');
  });

  it('refuses excluding a key or link column', () => {
    const problems = problemsOf(valid.replace('exclude: [password_hash]', 'exclude: [id]'));
    expect(problems[0]).toMatchObject({
      path: 'postgres[0].exclude[0]',
      message: expect.stringMatching(/primary-key/),
    });
  });

  it('refuses a table no subject can reach', () => {
    const problems = problemsOf(`${valid}  - table: public.audit\n    primaryKey: [id]\n`);
    expect(problems[0]).toMatchObject({
      path: 'postgres[2]',
      message: expect.stringMatching(/no subject can reach it/),
    });
  });

  it('says which edge is written the wrong way round when a reachable table follows an unreachable one', () => {
    const wrong = `version: 1
identities: { email: { normalize: lowercase } }
postgres:
  - table: public.customer
    primaryKey: [id]
    identities: { email: email }
    follow: { address_id: public.address.id }
  - table: public.address
    primaryKey: [id]
`;
    expect(problemsOf(wrong)).toEqual([
      {
        path: 'postgres[1]',
        line: 8,
        message:
          'public.address maps no identity and follows no reachable table, so no subject can reach it and its rows will never be found. ' +
          'public.customer follows public.address.id, which looks written the wrong way round: a follow edge searches the table it is written on. ' +
          'To find the public.address rows that public.customer points at, write on public.address: follow: { id: public.customer.address_id }, and remove it from public.customer',
      },
    ]);
  });

  it('accepts cycles of follow edges when one table is reachable', () => {
    const cyclic = `${valid}  - table: public.a\n    primaryKey: [id]\n    follow: { b_id: public.b.id, order_id: public.orders.id }\n  - table: public.b\n    primaryKey: [id]\n    follow: { a_id: public.a.id }\n`;
    expect(parseDataMap(cyclic, 'map.yaml').postgres).toHaveLength(4);
  });

  it('refuses an unknown version and unknown fields', () => {
    const problems = problemsOf(valid.replace('version: 1', 'version: 2').replace('exclude:', 'exclud:'));
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['version', 'postgres[0]']));
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf('version: 1\nidentities: { email: {}\n');
    expect(problems[0]?.line).toBeGreaterThan(0);
  });
});

describe('Function: loadDataMap', () => {
  it('names the file it could not read', async () => {
    await expect(loadDataMap('/nonexistent/map.yaml')).rejects.toThrow(/\/nonexistent\/map\.yaml: 1 problem/);
  });

  it('loads the sample data map', async () => {
    const map = await loadDataMap('local/sample/datamap.yaml');
    expect(map.postgres.map((t) => t.table)).toContain('public.payments');
  });
});
