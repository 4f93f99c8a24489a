import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatGrants } from '../../../cli/commands/datamapGrants';
import { runCli } from '../../../cli/main';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { erasureGrants } from '../../../shared/erasure/erasureGrants';

const MAP = parseDataMap(
  `version: 1
identities:
  email: { normalize: lowercase }
  user_id: {}
postgres:
  - table: Sales.Order$Line
    primaryKey: [Tenant, line_no]
    identities: { user_id: Buyer_Id }
    erasure: delete
  - table: public.users
    primaryKey: [id]
    identities: { email: email, user_id: id }
    erasure: { action: mask, columns: { phone: random, email: hash, Display$Name: null } }
  - table: public.audit
    identities: { email: [actor_email, target_email] }
    erasure: delete
  - table: public.sessions
    follow: { user_id: public.users.id }
    erasure: delete
  - table: billing.invoices
    primaryKey: [id]
    identities: { user_id: user_id }
    erasure: { action: retain, ground: "tax law: invoices kept 10 years" }
  - table: billing.notes
    primaryKey: [id]
    identities: { email: email }
snowflake:
  - table: ANALYTICS.PUBLIC.WEB_SESSIONS
    primaryKey: [SESSION_ID]
    identities: { user_id: USER_ID }
    erasure: delete
  - table: ANALYTICS.CRM.Contacts
    primaryKey: [ID]
    identities: { email: EMAIL }
    erasure: { action: mask, columns: { EMAIL: hash } }
  - table: MARKETING.PUBLIC.EVENTS
    primaryKey: [ID]
    identities: { user_id: USER_ID }
    erasure: { action: retain, ground: "legal hold on the campaign" }
  - table: MARKETING.PUBLIC.CLICKS
    primaryKey: [ID]
    identities: { user_id: USER_ID }
`,
  'grants.yaml',
);

describe('Function: erasureGrants', () => {
  it('grants each PostgreSQL table by its rule, quoting every name, and nothing on retained or unruled tables', () => {
    // Act
    const { postgres } = erasureGrants(MAP);

    // Assess
    expect(postgres.role).toBe('dsr_erasure');
    expect(postgres.statements).toEqual([
      'CREATE ROLE "dsr_erasure" LOGIN;',
      // Only the schemas of tables it changes: billing holds a retained table and one without a rule.
      'GRANT USAGE ON SCHEMA "Sales" TO "dsr_erasure";',
      'GRANT USAGE ON SCHEMA "public" TO "dsr_erasure";',
      'GRANT SELECT, DELETE ON TABLE "Sales"."Order$Line" TO "dsr_erasure";',
      // The first key column, for SELECT … FOR UPDATE.
      'GRANT UPDATE ("Tenant") ON TABLE "Sales"."Order$Line" TO "dsr_erasure";',
      // Keyless: the first column the subject is found by.
      'GRANT SELECT, DELETE ON TABLE "public"."audit" TO "dsr_erasure";',
      'GRANT UPDATE ("actor_email") ON TABLE "public"."audit" TO "dsr_erasure";',
      // Keyless, reached only by a follow edge: its follow column.
      'GRANT SELECT, DELETE ON TABLE "public"."sessions" TO "dsr_erasure";',
      'GRANT UPDATE ("user_id") ON TABLE "public"."sessions" TO "dsr_erasure";',
      // Mask: the masked columns only, sorted, never DELETE.
      'GRANT SELECT ON TABLE "public"."users" TO "dsr_erasure";',
      'GRANT UPDATE ("Display$Name", "email", "phone") ON TABLE "public"."users" TO "dsr_erasure";',
    ]);
    expect(postgres.statements.join('\n')).not.toMatch(/billing|INSERT|TRUNCATE|ALL/);
    expect(postgres.tables.map((t) => `${t.table}:${t.action}`)).toEqual([
      'Sales.Order$Line:delete',
      'public.audit:delete',
      'public.sessions:delete',
      'public.users:mask',
    ]);
  });

  it('grants each erased Snowflake table SELECT with DELETE or UPDATE by its rule, every other one SELECT only (the proof reads it), with usage on what leads to them', () => {
    const { snowflake } = erasureGrants(MAP, { snowflakeWarehouse: 'ERASE_WH' });
    expect(snowflake.statements).toEqual([
      'CREATE ROLE "DSR_ERASURE";',
      'GRANT USAGE ON WAREHOUSE "ERASE_WH" TO ROLE "DSR_ERASURE";',
      'GRANT USAGE ON DATABASE "ANALYTICS" TO ROLE "DSR_ERASURE";',
      'GRANT USAGE ON DATABASE "MARKETING" TO ROLE "DSR_ERASURE";',
      'GRANT USAGE ON SCHEMA "ANALYTICS"."CRM" TO ROLE "DSR_ERASURE";',
      'GRANT USAGE ON SCHEMA "ANALYTICS"."PUBLIC" TO ROLE "DSR_ERASURE";',
      'GRANT USAGE ON SCHEMA "MARKETING"."PUBLIC" TO ROLE "DSR_ERASURE";',
      'GRANT SELECT, UPDATE ON TABLE "ANALYTICS"."CRM"."Contacts" TO ROLE "DSR_ERASURE";',
      'GRANT SELECT, DELETE ON TABLE "ANALYTICS"."PUBLIC"."WEB_SESSIONS" TO ROLE "DSR_ERASURE";',
      // MARKETING holds only a retained table and one without a rule: read, never changed.
      'GRANT SELECT ON TABLE "MARKETING"."PUBLIC"."CLICKS" TO ROLE "DSR_ERASURE";',
      'GRANT SELECT ON TABLE "MARKETING"."PUBLIC"."EVENTS" TO ROLE "DSR_ERASURE";',
    ]);
  });

  it('grants INSERT on the tables an acknowledged trigger writes to, with usage on their schema, once each', () => {
    // Prepare: two erased tables whose audit triggers write to one audit table in its own schema.
    const map = parseDataMap(
      `version: 1
identities: { email: {} }
postgres:
  - table: app.users
    primaryKey: [id]
    identities: { email: email }
    erasure: { action: mask, columns: { email: hash }, triggers: { acknowledge: [users_audit], writes: [audit.log] } }
  - table: app.messages
    primaryKey: [id]
    identities: { email: sender }
    erasure: { action: delete, triggers: { acknowledge: [messages_audit], writes: [audit.log] } }
`,
      'audit.yaml',
    );

    // Act
    const { postgres } = erasureGrants(map, { pgRole: 'dsr_erasure' });

    // Assess
    expect(postgres.statements.filter((s) => s.includes('audit'))).toEqual([
      'GRANT USAGE ON SCHEMA "audit" TO "dsr_erasure";',
      'GRANT INSERT ON TABLE "audit"."log" TO "dsr_erasure";',
    ]);
  });

  it('quotes role and warehouse names so that none can break out of the statement', () => {
    const grants = erasureGrants(MAP, {
      pgRole: 'eraser"; DROP TABLE x; --',
      snowflakeRole: 'Odd Role',
      snowflakeWarehouse: 'wh"x',
    });
    expect(grants.postgres.statements[0]).toBe('CREATE ROLE "eraser""; DROP TABLE x; --" LOGIN;');
    expect(
      grants.postgres.statements.every(
        (s) => s.endsWith('TO "eraser""; DROP TABLE x; --";') || s.startsWith('CREATE'),
      ),
    ).toBe(true);
    expect(grants.snowflake.statements.slice(0, 2)).toEqual([
      'CREATE ROLE "Odd Role";',
      'GRANT USAGE ON WAREHOUSE "wh""x" TO ROLE "Odd Role";',
    ]);
    expect(() => erasureGrants(MAP, { pgRole: '' })).toThrow(/PostgreSQL role must be 1 to 255 characters/);
    expect(() => erasureGrants(MAP, { snowflakeRole: 'a\u0000b' })).toThrow(/NUL/);
  });

  it('makes no role for a system whose tables the map never deletes from or masks', () => {
    const map = parseDataMap(
      `version: 1
identities: { email: {} }
postgres:
  - table: public.invoices
    primaryKey: [id]
    identities: { email: email }
    erasure: { action: retain, ground: "tax law" }
`,
      'retain.yaml',
    );
    const grants = erasureGrants(map);
    expect(grants.postgres.statements).toEqual([]);
    expect(grants.snowflake.statements).toEqual([]);
    expect(formatGrants(grants, 'retain.yaml')).toContain(
      '-- The data map deletes and masks no PostgreSQL rows: no role is needed.',
    );
  });
});

describe('Command: dsr datamap grants', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints every statement, each table under its rule, with the role names given', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const file = join(import.meta.dirname, '../../infra/fixtures/erasure-datamap.yaml');
    const code = await runCli([
      'datamap',
      'grants',
      '--datamap',
      file,
      '--pg-role',
      'eraser',
      '--snowflake-role',
      'ERASER',
    ]);
    expect(code).toBe(0);
    const text = out.join('');
    const statements = text.split('\n').filter((l) => l && !l.startsWith('--'));
    expect(statements).toEqual([
      'CREATE ROLE "eraser" LOGIN;',
      'GRANT USAGE ON SCHEMA "public" TO "eraser";',
      'GRANT SELECT, DELETE ON TABLE "public"."events" TO "eraser";',
      'GRANT UPDATE ("user_id") ON TABLE "public"."events" TO "eraser";',
      'GRANT SELECT ON TABLE "public"."users" TO "eraser";',
      'GRANT UPDATE ("email", "name") ON TABLE "public"."users" TO "eraser";',
      'CREATE ROLE "ERASER";',
      'GRANT USAGE ON WAREHOUSE "DSR_WH" TO ROLE "ERASER";',
      'GRANT USAGE ON DATABASE "ANALYTICS" TO ROLE "ERASER";',
      'GRANT USAGE ON SCHEMA "ANALYTICS"."PUBLIC" TO ROLE "ERASER";',
      'GRANT SELECT, DELETE ON TABLE "ANALYTICS"."PUBLIC"."WEB_SESSIONS" TO ROLE "ERASER";',
    ]);
    expect(text).toContain('-- public.users: mask\nGRANT SELECT ON TABLE "public"."users"');
    expect(text).toContain('SELECT … FOR UPDATE');
  });

  it('fails on a data map that does not load, naming the file', async () => {
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const code = await runCli(['datamap', 'grants', '--datamap', '/nonexistent/map.yaml']);
    expect(code).not.toBe(0);
    expect(err.join('')).toContain('/nonexistent/map.yaml');
  });
});
