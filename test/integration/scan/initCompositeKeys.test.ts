import { describe, expect, it } from 'vitest';
import { useInitialDataMap } from '../../support/initMapFixture';

/**
 * A multi-tenant schema: users are keyed by (tenant_id, id), with the same ids 1-20 in each of
 * three tenants; tickets name their user by the pair, and a log names it by `user_id` alone.
 */
const SCHEMA = `
  CREATE SCHEMA app;
  CREATE TABLE app.users (tenant_id int, id int, email text NOT NULL, phone text, PRIMARY KEY (tenant_id, id));
  CREATE TABLE app.tickets (id int PRIMARY KEY, tenant_id int, user_id int, subject text,
    FOREIGN KEY (tenant_id, user_id) REFERENCES app.users (tenant_id, id));
  CREATE TABLE app.activity (id int PRIMARY KEY, user_id int, action text);
  CREATE TABLE app.support_agents (id int PRIMARY KEY, email text NOT NULL, name text);
  CREATE TABLE app.cases (id int PRIMARY KEY, tenant_id int, user_id int, agent_id int REFERENCES app.support_agents,
    contact_email text, summary text, FOREIGN KEY (tenant_id, user_id) REFERENCES app.users (tenant_id, id));
  INSERT INTO app.users SELECT t, i, 'user' || t || '-' || i || '@tenant-example.org', '+44 7700 9' || lpad((t * 100 + i)::text, 5, '0')
    FROM generate_series(1, 3) t, generate_series(1, 20) i;
  INSERT INTO app.tickets SELECT k, k % 3 + 1, k % 20 + 1, 'help' FROM generate_series(1, 60) k;
  INSERT INTO app.activity SELECT k, k % 20 + 1, 'login' FROM generate_series(1, 80) k;
  INSERT INTO app.support_agents SELECT j, 'agent' || j || '@support-example.com', 'Agent ' || j FROM generate_series(1, 3) j;
  INSERT INTO app.cases SELECT k, k % 3 + 1, k % 20 + 1, k % 3 + 1, 'user' || (k % 3 + 1) || '-' || (k % 20 + 1) || '@tenant-example.org', 'help'
    FROM generate_series(1, 90) k;
  ANALYZE;
`;

const init = useInitialDataMap('init_composite', SCHEMA, ['app']);
const table = init.table;

describe('Function: initDataMap on a table keyed by several columns', () => {
  it('takes neither its id as an identity kind nor a reference by id alone', () => {
    // `user_id: id` with `learn` made a request for user 1 return user 1 of every tenant.
    expect(Object.keys(init.doc.identities ?? {})).not.toContain('user_id');
    expect(table('app.users')?.identities?.user_id).toBeUndefined();
    expect(table('app.users')?.learn ?? []).not.toContain('user_id');
    // `activity.user_id` names a user by id alone: not proposed as a follow of users.id.
    expect(table('app.activity')?.follow?.user_id).toBeUndefined();
  });

  it('holds the workforce side of a table that names a customer by a composite key and the agent who handled it', () => {
    // Following cases.agent_id would hand an agent every case they handled, with the customers' addresses.
    expect(table('app.cases')?.follow?.agent_id).toBeUndefined();
    expect(init.yaml).toContain('agent_id is not followed to app.support_agents.id: the workforce side');
    expect(table('app.support_agents')).toBeDefined();
  });
});
