import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { runDsr } from '../../support/cliProgram';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { startTestSnowflake } from '../../support/snowflake';

const MAP = `version: 1
identities: { email: { normalize: lowercase }, user_id: {} }
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email, user_id: id }
    learn: [email, user_id]
snowflake:
  - table: ANALYTICS.PUBLIC.SESSIONS
    primaryKey: [SESSION_ID]
    identities: { user_id: USER_ID }
`;

/** Runs `dsr` in this process (the exit codes and output of the binary; no child process needed). */
function dsr(args: string[], env: Record<string, string | undefined>) {
  return runDsr(args, { SNOWFLAKE_ACCOUNT: undefined, ...env });
}

let db: TestDatabase;
let sf: LocalSnowflake;
let mapFile: string;

beforeAll(async () => {
  db = await createTestDatabase('cli_sf');
  await db.exec(`CREATE TABLE public.users (id bigint PRIMARY KEY, email text NOT NULL);
    INSERT INTO public.users VALUES (1, 'Ana@Example.com'), (2, 'bob@example.com');`);
  sf = await startTestSnowflake();
  await sf.sql('CREATE DATABASE IF NOT EXISTS ANALYTICS');
  await sf.sql('CREATE SCHEMA IF NOT EXISTS ANALYTICS.PUBLIC');
  await sf.sql('CREATE TABLE ANALYTICS.PUBLIC.SESSIONS (SESSION_ID VARCHAR(36), USER_ID NUMBER(38,0))');
  await sf.sql(
    "INSERT INTO ANALYTICS.PUBLIC.SESSIONS (SESSION_ID, USER_ID) VALUES ('s-1', 1), ('s-2', 2), ('s-3', 1)",
  );
  // Team numbers: Ana's accounts are in teams 5 and 6, Bob's in team 5; a note per team.
  await sf.sql(
    'CREATE TABLE ANALYTICS.PUBLIC.ACCOUNTS (ID NUMBER(38,0), USER_ID NUMBER(38,0), TEAM_NO NUMBER(38,0))',
  );
  await sf.sql(
    'INSERT INTO ANALYTICS.PUBLIC.ACCOUNTS (ID, USER_ID, TEAM_NO) VALUES (10, 1, 5), (11, 1, 6), (20, 2, 5)',
  );
  await sf.sql(
    'CREATE TABLE ANALYTICS.PUBLIC.TEAM_NOTES (ID NUMBER(38,0), TEAM_NO NUMBER(38,0), NOTE VARCHAR(40))',
  );
  await sf.sql(
    "INSERT INTO ANALYTICS.PUBLIC.TEAM_NOTES (ID, TEAM_NO, NOTE) VALUES (100, 5, 'team-5-note'), (101, 6, 'team-6-note')",
  );
  mapFile = join(await mkdtemp(join(tmpdir(), 'dsr-cli-sf-')), 'map.yaml');
  await writeFile(mapFile, MAP);
}, 60_000);

afterAll(async () => {
  await sf?.stop();
  await db?.drop();
  if (mapFile) await rm(dirname(mapFile), { recursive: true, force: true });
});

describe('Command: dsr discover with Snowflake configured', () => {
  const base = () => ({ PG_DSN: db.dsn, DSR_SUBJECT_HASH_KEY: 'k'.repeat(32) });

  it('searches both systems: warehouse rows reached through the user id found in PostgreSQL', async () => {
    const run = await dsr(['discover', '--datamap', mapFile, '--subject', 'email=ana@example.com'], {
      ...base(),
      SNOWFLAKE_ACCOUNT: sf.account,
      SNOWFLAKE_USER: 'DSR',
      SNOWFLAKE_PASSWORD: 'dsr',
      SNOWFLAKE_ACCESS_URL: sf.url,
      SNOWFLAKE_DATABASE: 'ANALYTICS',
      SNOWFLAKE_SCHEMA: 'PUBLIC',
    });
    expect(run.stderr).not.toMatch(/not configured/);
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout) as {
      counts: Record<string, Record<string, number>>;
      findings: { system: string; key: Record<string, unknown> }[];
    };
    expect(document.counts).toEqual({
      postgres: { 'public.users': 1 },
      snowflake: { 'ANALYTICS.PUBLIC.SESSIONS': 2 },
    });
    expect(document.findings.filter((f) => f.system === 'snowflake').map((f) => f.key.SESSION_ID)).toEqual([
      's-1',
      's-3',
    ]);
  }, 60_000);

  it('says plainly on stderr when Snowflake is not configured, and searches PostgreSQL only', async () => {
    const run = await dsr(['discover', '--datamap', mapFile, '--subject', 'email=ana@example.com'], base());
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/Snowflake is not configured \(SNOWFLAKE_ACCOUNT is not set\)/);
    expect(JSON.parse(run.stdout).counts).toEqual({ postgres: { 'public.users': 1 } });
  }, 60_000);

  it('guards a follow between two Snowflake columns that are not keys: a team number another person holds is not followed', async () => {
    // Prepare
    const guarded = join(dirname(mapFile), 'teams.yaml');
    await writeFile(
      guarded,
      `${MAP}  - table: ANALYTICS.PUBLIC.ACCOUNTS
    primaryKey: [ID]
    identities: { user_id: USER_ID }
  - table: ANALYTICS.PUBLIC.TEAM_NOTES
    primaryKey: [ID]
    follow: { TEAM_NO: ANALYTICS.PUBLIC.ACCOUNTS.TEAM_NO }
`,
    );

    // Act
    const run = await dsr(['discover', '--datamap', guarded, '--subject', 'email=ana@example.com'], {
      ...base(),
      SNOWFLAKE_ACCOUNT: sf.account,
      SNOWFLAKE_USER: 'DSR',
      SNOWFLAKE_PASSWORD: 'dsr',
      SNOWFLAKE_ACCESS_URL: sf.url,
      SNOWFLAKE_DATABASE: 'ANALYTICS',
      SNOWFLAKE_SCHEMA: 'PUBLIC',
    });

    // Assess: team 6 is Ana's alone; team 5 is Bob's too, counted in Snowflake and refused.
    expect(run.code, run.stderr).toBe(0);
    const document = JSON.parse(run.stdout);
    expect(
      document.findings
        .filter((f: { table: string }) => f.table === 'ANALYTICS.PUBLIC.TEAM_NOTES')
        .map((f: { row: { NOTE: string } }) => f.row.NOTE),
    ).toEqual(['team-6-note']);
    expect(document.notFollowed).toEqual([
      {
        column: 'TEAM_NO',
        into: ['snowflake:ANALYTICS.PUBLIC.TEAM_NOTES.TEAM_NO'],
        rows: 2,
        system: 'snowflake',
        table: 'ANALYTICS.PUBLIC.ACCOUNTS',
        values: 1,
      },
    ]);
  }, 60_000);
});
