import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { discoverSubject } from '../../../shared/discovery/discoverSubject';
import { eraseSubject } from '../../../shared/erasure/eraseSubject';
import { snowflakeErasurePart } from '../../../shared/erasure/executeSnowflakeErasure';
import { learnedIdentifiers } from '../../../shared/erasure/learnedIdentifiers';
import { rediscover } from '../../../shared/erasure/rediscover';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { configureSnowflakeDriver } from '../../../shared/snowflake/configureSnowflakeDriver';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { SnowflakeTableSearcher } from '../../../shared/snowflake/SnowflakeTableSearcher';
import { openDatabase, TEST_HASH_KEY } from '../../support/discovery';
import { deterministicBytes } from '../../support/erasureFixture';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from '../snowflake/helpers';

/** The sample shop's users and tickets (both learn `user_id`) and the warehouse's web sessions. */
const MAP = parseDataMap(
  `version: 1
identities:
  email: { normalize: lowercase }
  user_id: {}
postgres:
  - table: public.users
    primaryKey: [id]
    identities: { email: email, user_id: id }
    learn: [email, user_id]
    erasure: delete
  - table: public.support_tickets
    primaryKey: [ticket_id]
    identities: { email: requester_email, user_id: user_id }
    learn: [email, user_id]
    erasure: delete
snowflake:
  - table: ANALYTICS.PUBLIC.WEB_SESSIONS
    primaryKey: [SESSION_ID]
    identities: { user_id: USER_ID }
    erasure: delete
`,
  'test.yaml',
);

// Jonas has no account row (closed), but his two tickets carry his old user id 77, and so does his
// web session. Ola's ticket and Pia's carry one user id: it identifies neither.
const SCHEMA = `
  DROP TABLE IF EXISTS public.support_tickets, public.users;
  CREATE TABLE public.users (id bigint PRIMARY KEY, email text NOT NULL);
  CREATE TABLE public.support_tickets (ticket_id int PRIMARY KEY, requester_email text NOT NULL, user_id bigint);
  INSERT INTO public.users VALUES (5, 'emil@example.test');
  INSERT INTO public.support_tickets VALUES
    (1, 'jonas@example.test', 77), (2, 'Jonas@Example.test', 77),
    (5, 'ola@example.test', 88), (6, 'pia@example.test', 88);`;

let pg: TestDatabase;
let db: PgDatabase;
let sf: LocalSnowflake;
let sfDb: SnowflakeDatabase;

beforeAll(async () => {
  configureSnowflakeDriver({ logLevel: 'OFF' });
  pg = await createTestDatabase('learnown');
  db = openDatabase(pg.dsn);
  sf = await startTestSnowflake();
  await sf.sql('CREATE DATABASE ANALYTICS');
  await sf.sql('CREATE SCHEMA IF NOT EXISTS ANALYTICS.PUBLIC');
  await sf.sql('CREATE TABLE ANALYTICS.PUBLIC.WEB_SESSIONS (SESSION_ID VARCHAR(36), USER_ID NUMBER(38,0))');
  sfDb = openTestSnowflakeDatabase(sf);
});
afterAll(async () => {
  await sfDb?.close();
  await sf?.stop();
  await db?.end();
  await pg?.drop();
});

async function seed() {
  await pg.exec(SCHEMA);
  await sf.sql('DELETE FROM ANALYTICS.PUBLIC.WEB_SESSIONS');
  await sf.sql(
    `INSERT INTO ANALYTICS.PUBLIC.WEB_SESSIONS SELECT column1, column2 FROM VALUES ('s-77', 77), ('s-5', 5), ('s-88', 88)`,
  );
}

async function searchers() {
  return {
    postgres: await PostgresTableSearcher.create(db, MAP, 'test.yaml'),
    snowflake: await SnowflakeTableSearcher.create(sfDb, MAP, 'test.yaml'),
  };
}

async function erase(requestId: string, email: string) {
  return eraseSubject(
    {
      dataMap: MAP,
      db,
      writeDb: db,
      searchers: await searchers(),
      subjectHashKey: TEST_HASH_KEY,
      maskKey: 'test-mask-key',
      randomBytes: deterministicBytes,
      snowflakeDb: sfDb,
      snowflake: snowflakeErasurePart({
        db: sfDb,
        dataMap: MAP,
        maskKey: 'test-mask-key',
        randomBytes: deterministicBytes,
      }),
    },
    { requestId, identifiers: { email: [email] }, dryRun: false },
  );
}

const found = (doc: { findings: readonly { system: string; table: string; key: unknown }[] }) =>
  doc.findings.map((f) => `${f.system}:${f.table}:${JSON.stringify(f.key)}`);

describe('Learned identifiers held only by the subject’s own rows', () => {
  it('discovery follows a user id that only the subject’s own tickets hold, as far as the proof searches', async () => {
    // Prepare
    await seed();
    const s = await searchers();
    const identifiers = { email: ['jonas@example.test'] };

    // Act: discovery (what an access request reports), then the proof's search from what it learned.
    const { document, identities } = await discoverSubject(
      { dataMap: MAP, searchers: s, subjectHashKey: TEST_HASH_KEY },
      { requestId: 'req-jonas', identifiers },
    );
    const proof = await rediscover(
      { dataMap: MAP, searchers: s, subjectHashKey: TEST_HASH_KEY },
      {
        requestId: 'req-jonas',
        findings: document,
        identifiers: learnedIdentifiers(MAP, document, identifiers, identities),
      },
    );

    // Assess: both find his two tickets and his web session, and nothing of anyone else.
    expect(found(document)).toEqual([
      'postgres:public.support_tickets:{"ticket_id":1}',
      'postgres:public.support_tickets:{"ticket_id":2}',
      'snowflake:ANALYTICS.PUBLIC.WEB_SESSIONS:{"SESSION_ID":"s-77"}',
    ]);
    expect(found(proof)).toEqual(found(document));
    expect(identities).toEqual({ email: ['jonas@example.test'], user_id: ['77'] });
    expect(document.notFollowed ?? []).toEqual([]);
  });

  it('erases the session discovery found and proves it: erased, every other session kept', async () => {
    // Prepare
    await seed();

    // Act
    const result = await erase('req-erase-jonas', 'jonas@example.test');

    // Assess
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    expect(await sf.sql('SELECT SESSION_ID FROM ANALYTICS.PUBLIC.WEB_SESSIONS ORDER BY SESSION_ID')).toEqual([
      { SESSION_ID: 's-5' },
      { SESSION_ID: 's-88' },
    ]);
    expect((await pg.exec('SELECT ticket_id FROM public.support_tickets ORDER BY 1')).rows).toEqual([
      { ticket_id: 5 },
      { ticket_id: 6 },
    ]);
  });

  it('still refuses a user id that another person’s ticket holds too', async () => {
    // Prepare
    await seed();
    const s = await searchers();

    // Act
    const ola = await discoverSubject(
      { dataMap: MAP, searchers: s, subjectHashKey: TEST_HASH_KEY },
      { requestId: 'req-ola', identifiers: { email: ['ola@example.test'] } },
    );

    // Assess: Ola's ticket shares its user id with Pia's: refused, so session s-88 is not reached.
    expect(found(ola.document)).toEqual(['postgres:public.support_tickets:{"ticket_id":5}']);
    expect(ola.document.notFollowed).toEqual([
      {
        system: 'postgres',
        table: 'public.support_tickets',
        column: 'user_id',
        identity: 'user_id',
        rows: 2,
        values: 1,
      },
    ]);
  });

  it('proves an erasure with the identifiers discovery followed: a refused user id leads the proof to no one else’s rows', async () => {
    // Prepare
    await seed();

    // Act
    const result = await erase('req-erase-ola', 'ola@example.test');

    // Assess: Ola's ticket is erased and proved so; Pia's ticket and the session of the shared id
    // are not hers (discovery refused the id) and stay, outside the proof.
    expect(result.outcome).toBe('executed');
    if (result.outcome !== 'executed') return;
    expect(result.verification).toMatchObject({ outcome: 'erased', remaining: [] });
    expect((await pg.exec('SELECT ticket_id FROM public.support_tickets ORDER BY 1')).rows).toEqual([
      { ticket_id: 1 },
      { ticket_id: 2 },
      { ticket_id: 6 },
    ]);
    expect(await sf.sql('SELECT SESSION_ID FROM ANALYTICS.PUBLIC.WEB_SESSIONS ORDER BY SESSION_ID')).toEqual([
      { SESSION_ID: 's-5' },
      { SESSION_ID: 's-77' },
      { SESSION_ID: 's-88' },
    ]);
  });
});
