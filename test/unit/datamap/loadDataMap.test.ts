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
    expect(map.postgres[1]?.follow).toEqual({ user_id: 'public.users.id' });
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

  it('refuses a table without a primary key', () => {
    const problems = problemsOf(valid.replace('    primaryKey: [id]\n    follow', '    follow'));
    expect(problems[0]?.path).toBe('postgres[1].primaryKey');
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
