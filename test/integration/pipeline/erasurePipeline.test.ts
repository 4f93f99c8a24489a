import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3PayloadStore } from '../../../adapters/aws/S3PayloadStore';
import { applyApproval } from '../../../shared/audit/applyApproval';
import { lifecycleOf } from '../../../shared/ledger/RequestState';
import { readLedger } from '../../../shared/load/readLedger';
import { SnowflakeErasureReceipts } from '../../../shared/load/SnowflakeErasureReceipts';
import { SnowflakeLedger } from '../../../shared/load/SnowflakeLedger';
import { isEraseCheckpoint } from '../../../shared/pipeline/EraseCheckpoint';
import { configureSnowflakeDriver } from '../../../shared/snowflake/configureSnowflakeDriver';
import { readSessionIdentity } from '../../../shared/snowflake/readSessionIdentity';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import {
  EVIDENCE,
  type LocalPipelineFixture,
  startLocalPipelineFixture,
} from '../../support/localPipelineFixture';
import { readQueueMessages, scanForValues } from '../../support/scanForValues';
import { openTestSnowflakeDatabase } from '../snowflake/helpers';

const CHLOE = { email: ['chloe.dubois@example.org'] };
const CHLOE_VALUES = ['chloe.dubois@example.org', 'Chloé Dubois', 'Je suis Chloé Dubois, née le 1985-07-14'];
const GRETA = { email: ['greta.nilsson@example.se'] };
const HANA = 'hana.sato@example.jp';
const IRIS = 'iris.moreau@example.fr';
const JONAS = 'jonas.berg@example.no';
const KAI = 'kai.lindqvist@example.fi';

let f: LocalPipelineFixture;
let db: SnowflakeDatabase;
let bucket: S3PayloadStore;

const erasureBody = (requestId: string, subject: Record<string, string[]>) =>
  JSON.stringify({
    version: 1,
    requestId,
    type: 'erasure',
    subject,
    jurisdiction: 'GDPR',
    receivedAt: new Date().toISOString(),
  });
const lifecycle = async (requestId: string) =>
  lifecycleOf(await readLedger(db, EVIDENCE, requestId).catch(() => []))
    .filter((e) => !isEraseCheckpoint(e))
    .map((e) => e.state);
const runUntil = (done: () => Promise<boolean>, timeoutMs = 60_000) => f.pipeline.pollUntil(done, timeoutMs);
const ended = (requestId: string) => async () => {
  const states = await lifecycle(requestId);
  return states.some((s) => ['erased', 'erasure_unverified', 'quarantined', 'cancelled'].includes(s));
};
const tickets = async (email: string) =>
  Number(
    (
      await f.sql('SELECT count(*) AS n FROM public.support_tickets WHERE lower(requester_email) = $1', [
        email,
      ])
    ).rows[0]?.n,
  );

beforeAll(async () => {
  configureSnowflakeDriver({ logLevel: 'OFF' });
  f = await startLocalPipelineFixture({
    generatedSubjects: 0,
    // Greta's three tickets are more than an erasure may change without approval here. The proof
    // also scans the text columns outside the data map (the sample shop maps every table it has).
    // Every erasure here runs across invocations: the erase function's 30 s are always less than its
    // 60 s reserve, so each invocation commits one transaction and hands the rest on, and PostgreSQL
    // tables of more than one row to change are erased a row per transaction.
    env: {
      DSR_APPROVAL_MAX_ROWS: '2',
      DSR_APPROVAL_POLL_SECONDS: '1',
      DSR_PROOF_SCAN_TEXT_ROWS: '1000',
      DSR_ERASE_RESERVE_MS: '60000',
      DSR_ERASE_BATCH_ROWS: '1',
      // An erasure is planned from rows taking at most 1 MiB of heap, estimated (about 800 tickets;
      // every other subject here has a few rows).
      DSR_ERASE_PLAN_HEAP_MIB: '1',
    },
    functionTimeoutsMs: { erase: 30_000 },
  });
  db = openTestSnowflakeDatabase(f.snowflake, EVIDENCE);
  bucket = new S3PayloadStore(f.pipeline.aws.s3, { bucket: f.pipeline.aws.bucket });
}, 180_000);

afterAll(async () => {
  await db?.close();
  await f?.stop();
});

describe('Pipeline: erasure', () => {
  it('erases the subject, proves it, stores the receipt, and keeps no copy of the erased values anywhere', async () => {
    // Prepare: an earlier access request of the same person, answered with her values.
    const chloe = f.subjects.find((s) => s.label === 'chloe');
    if (!chloe) throw new Error('no chloe');
    const access = f.request(chloe, { tag: 'ACCESS' });
    await f.submit([access]);
    await f.drain();
    expect(await lifecycle(access.requestId)).toContain('loaded');
    const accessRows = await f.snowflake.sql(
      `SELECT COUNT(*) AS N FROM DSR.EVIDENCE.DSR_FINDINGS WHERE REQUEST_ID = '${access.requestId}' AND ROW IS NOT NULL`,
    );
    expect(Number(accessRows[0]?.N)).toBeGreaterThan(0);
    const accessManifest = `packages/${access.requestId}/manifest.json`;
    expect(await bucket.get({ bucket: bucket.bucket, key: accessManifest })).toBeDefined();

    // Act
    await f.pipeline.submit(erasureBody('ERASE-CHLOE', CHLOE), 'high');
    expect(await runUntil(ended('ERASE-CHLOE'))).toBe(true);
    await f.drain();

    // Assess: the states, and the row gone from PostgreSQL.
    expect(await lifecycle('ERASE-CHLOE')).toEqual([
      'received',
      'discovering',
      'discovered',
      'gated',
      'erasing',
      'erased',
    ]);
    expect(await tickets('chloe.dubois@example.org')).toBe(0);
    // The receipt, stored once, verified on reading.
    const receipt = await new SnowflakeErasureReceipts(async () => db, EVIDENCE).get('ERASE-CHLOE');
    expect(receipt?.outcome).toBe('erased');
    expect(receipt?.tables.find((t) => t.table === 'public.support_tickets')).toMatchObject({
      action: 'delete',
      found: 1,
      deleted: 1,
      remaining: 0,
    });
    expect(receipt?.ownCopies).toMatchObject({ earlierRequests: 1 });
    expect(receipt?.ownCopies?.findingRowsCleared).toBeGreaterThan(0);
    const history = await readLedger(db, EVIDENCE, 'ERASE-CHLOE');
    expect(history.find((e) => e.state === 'erased')?.detail?.receiptHash).toBe(receipt?.receiptHash);
    expect(history.find((e) => e.state === 'discovered')?.detail?.planHash).toBe(receipt?.planHash);
    // The evidence of the erasure holds keys and hashes, never values; the earlier request lost its values.
    const evidence = await f.snowflake.sql(
      `SELECT REQUEST_ID, COUNT(*) AS N, COUNT(ROW) AS WITH_VALUES FROM DSR.EVIDENCE.DSR_FINDINGS WHERE REQUEST_ID IN ('ERASE-CHLOE', '${access.requestId}') GROUP BY REQUEST_ID ORDER BY REQUEST_ID`,
    );
    expect(evidence.map((r) => [r.REQUEST_ID, Number(r.WITH_VALUES)])).toEqual([
      [access.requestId, 0],
      ['ERASE-CHLOE', 0],
    ]);
    expect((await readLedger(db, EVIDENCE, access.requestId)).map((e) => e.state)).toContain('values_erased');
    // Nothing of either request is left in the bucket.
    const keys: string[] = [];
    for (const prefix of ['claim-check/', 'erasure/', 'quarantine/'])
      for await (const page of bucket.list(prefix)) keys.push(...page);
    expect(keys.filter((k) => k.includes('ERASE-CHLOE') || k.includes(access.requestId))).toEqual([]);
    // Her earlier package went with her values; the erasure's confirmation is in its place.
    const packages: string[] = [];
    for await (const page of bucket.list('packages/')) packages.push(...page);
    expect(packages.filter((k) => k.includes(access.requestId))).toEqual([]);
    expect(packages.filter((k) => k.startsWith('packages/ERASE-CHLOE/')).sort()).toEqual([
      'packages/ERASE-CHLOE/index.html',
      'packages/ERASE-CHLOE/manifest.json',
      'packages/ERASE-CHLOE/receipt.json',
    ]);
    const confirmation = await bucket.get({
      bucket: bucket.bucket,
      key: 'packages/ERASE-CHLOE/manifest.json',
    });
    expect(JSON.parse(confirmation?.body ?? '{}')).toMatchObject({
      kind: 'erasure',
      outcome: 'erased',
      receiptHash: receipt?.receiptHash,
    });
    // The scan of every place dsr-bridge writes finds none of her values.
    const deadLetters = await readQueueMessages(
      f.pipeline.aws.sqs,
      Object.values(f.pipeline.aws.queues).map((q) => q.deadLetterUrl),
    );
    const hits = await scanForValues(CHLOE_VALUES, {
      evidence: { query: (sql) => f.snowflake.sql(sql), ...EVIDENCE },
      bucket,
      lines: f.lines,
      deadLetters,
    });
    expect(hits).toEqual([]);
  }, 120_000);

  it('changes nothing when the erasure request is delivered again after it ended', async () => {
    const before = await readLedger(db, EVIDENCE, 'ERASE-CHLOE');

    await f.pipeline.submit(erasureBody('ERASE-CHLOE', CHLOE), 'high');
    await f.drain();

    expect((await readLedger(db, EVIDENCE, 'ERASE-CHLOE')).length).toBe(before.length);
  }, 60_000);

  it('makes a plan above the blast radius wait for dsr approve, then erases it', async () => {
    // Act 1
    await f.pipeline.submit(erasureBody('ERASE-GRETA', GRETA), 'high');
    const waiting = await runUntil(async () =>
      (await lifecycle('ERASE-GRETA')).includes('awaiting_approval'),
    );
    // A few more polls: the waiting plan comes back and is still not erased.
    await runUntil(async () => false, 3_000);
    const whileWaiting = await tickets('greta.nilsson@example.se');
    // Act 2: the operator approves, as `dsr approve` does.
    const applied = await applyApproval(
      new SnowflakeLedger(async () => db, EVIDENCE),
      () => readSessionIdentity(db),
      { requestId: 'ERASE-GRETA', now: new Date(), traceId: 'test-approve' },
    );
    const done = await runUntil(ended('ERASE-GRETA'));

    // Assess
    expect(waiting).toBe(true);
    expect(whileWaiting).toBe(3);
    expect(applied.outcome).toBe('approve');
    expect(done).toBe(true);
    expect(await lifecycle('ERASE-GRETA')).toEqual([
      'received',
      'discovering',
      'discovered',
      'gated',
      'awaiting_approval',
      'approved',
      'erasing',
      'erased',
    ]);
    const history = await readLedger(db, EVIDENCE, 'ERASE-GRETA');
    const wait = history.find((e) => e.state === 'awaiting_approval');
    const approval = history.find((e) => e.state === 'approved');
    expect(Number(wait?.detail?.rowsToChange)).toBe(3);
    expect(wait?.detail?.reasons).toBe('BLAST_RADIUS');
    expect(approval?.detail).toMatchObject({ approver: 'DSR', planHash: wait?.detail?.planHash });
    expect(await tickets('greta.nilsson@example.se')).toBe(0);
  }, 120_000);

  it('refuses and pages when a trigger the data map does not acknowledge would fire on the delete', async () => {
    // Prepare: a subject whose ticket a trigger (owned by the table's owner) re-inserts on delete.
    await f.sql(
      `INSERT INTO public.support_tickets (ticket_id, requester_email, user_id, subject, body, opened_at)
       VALUES ('7d9f6c2e-0000-4000-8000-0000000000b1', '${HANA}', NULL, 'Hello', '{"messages": []}', '2025-05-05 10:00:00+00');
       CREATE FUNCTION public.keep_ticket() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
       BEGIN
         IF OLD.requester_email = '${HANA}' THEN
           INSERT INTO public.support_tickets VALUES ('7d9f6c2e-0000-4000-8000-0000000000b2', OLD.requester_email,
             OLD.user_id, OLD.subject, OLD.body, OLD.opened_at);
         END IF;
         RETURN OLD;
       END $$;
       CREATE TRIGGER keep_ticket AFTER DELETE ON public.support_tickets FOR EACH ROW EXECUTE FUNCTION public.keep_ticket();`,
    );
    const pagesBefore = f.pipeline.pagerDuty.events.length;

    await f.pipeline.submit(erasureBody('ERASE-HANA', { email: [HANA] }), 'high');
    expect(await runUntil(ended('ERASE-HANA'))).toBe(true);

    // The trigger would copy the row back: the plan is refused before anything is erased.
    expect((await lifecycle('ERASE-HANA')).at(-1)).toBe('quarantined');
    const page = f.pipeline.pagerDuty.events.slice(pagesBefore).map((e) => JSON.stringify(e));
    expect(page.some((p) => p.includes('erasure_plan_refused') && p.includes('ERASE-HANA'))).toBe(true);
    expect(page.join('\n')).not.toContain(HANA);
    expect(await tickets(HANA)).toBe(1);
    await f.sql('DROP TRIGGER keep_ticket ON public.support_tickets; DROP FUNCTION public.keep_ticket()');
  }, 120_000);

  it('with the text scan on, ends erasure_unverified naming the table and column outside the map that holds a copy', async () => {
    // Prepare: a subject's ticket, and a note about her in a table the data map does not name that
    // the reading role may read (the scan reads what that role may SELECT).
    await f.sql(
      `INSERT INTO public.support_tickets (ticket_id, requester_email, user_id, subject, body, opened_at)
       VALUES ('7d9f6c2e-0000-4000-8000-0000000000c1', '${IRIS}', NULL, 'Parcel', '{"messages": []}', '2025-05-06 10:00:00+00');
       CREATE SCHEMA legacy;
       CREATE TABLE legacy.notes (id int PRIMARY KEY, body text);
       INSERT INTO legacy.notes VALUES (1, 'call back ${IRIS} about the parcel'), (2, 'no note');
       GRANT USAGE ON SCHEMA legacy TO ${f.appRole.name}; GRANT SELECT ON legacy.notes TO ${f.appRole.name};`,
    );
    const notesBefore = (await f.sql('SELECT n::text AS row FROM legacy.notes n ORDER BY id')).rows;
    const pagesBefore = f.pipeline.pagerDuty.events.length;

    // Act
    await f.pipeline.submit(erasureBody('ERASE-IRIS', { email: [IRIS] }), 'high');
    expect(await runUntil(ended('ERASE-IRIS'))).toBe(true);

    // Assess: her mapped row is erased, the copy is found and named, never quoted, and left alone.
    expect((await lifecycle('ERASE-IRIS')).at(-1)).toBe('erasure_unverified');
    expect(await tickets(IRIS)).toBe(0);
    const receipt = await new SnowflakeErasureReceipts(async () => db, EVIDENCE).get('ERASE-IRIS');
    expect(receipt?.remaining).toEqual([
      { system: 'postgres', table: 'legacy.notes', column: 'body', rows: 1, reason: 'found_beyond_map' },
    ]);
    const page = f.pipeline.pagerDuty.events.slice(pagesBefore).map((e) => JSON.stringify(e));
    expect(page.some((p) => p.includes('erasure_unverified') && p.includes('postgres:legacy.notes'))).toBe(
      true,
    );
    expect(page.join('\n')).not.toContain(IRIS);
    expect((await f.sql('SELECT n::text AS row FROM legacy.notes n ORDER BY id')).rows).toEqual(notesBefore);
    await f.sql('DROP SCHEMA legacy CASCADE');
  }, 120_000);

  it('checks the Snowflake part of the plan when the extractor plans it: a key another row shares is refused at the gate', async () => {
    // Prepare: another person's web session under the key of Bob's (Snowflake enforces no key), so
    // a DELETE … USING by that key would take it too.
    await f.snowflake.sql(
      `INSERT INTO ANALYTICS.PUBLIC.WEB_SESSIONS (SESSION_ID, USER_ID, STARTED_AT, PAGE_VIEWS, DEVICE)
       SELECT '5e3a0000-0000-4000-8000-000000000003', 900000123, TO_TIMESTAMP_TZ('2025-03-01T08:00:00+00:00'), 1, PARSE_JSON('{}')`,
    );
    const sessions = () =>
      f.snowflake.sql(
        'SELECT SESSION_ID, USER_ID FROM ANALYTICS.PUBLIC.WEB_SESSIONS ORDER BY SESSION_ID, USER_ID',
      );
    const sessionsBefore = await sessions();
    const bobBefore = (await f.sql('SELECT u::text AS row FROM public.users u WHERE id = 900000002')).rows;
    const pagesBefore = f.pipeline.pagerDuty.events.length;

    // Act
    await f.pipeline.submit(erasureBody('ERASE-BOB', { email: ['bob.marsh@example.net'] }), 'high');
    expect(await runUntil(ended('ERASE-BOB'))).toBe(true);

    // Assess: the extractor's plan carries the problem, the gate quarantines it, nothing waits or changes.
    const states = await lifecycle('ERASE-BOB');
    expect(states).toEqual(['received', 'discovering', 'discovered', 'quarantined']);
    const discovered = (await readLedger(db, EVIDENCE, 'ERASE-BOB')).find((e) => e.state === 'discovered');
    expect(Number(discovered?.detail?.planProblems)).toBe(1);
    const page = f.pipeline.pagerDuty.events.slice(pagesBefore).map((e) => JSON.stringify(e));
    expect(
      page.some(
        (p) => p.includes('erasure_plan_refused') && p.includes('at gate') && p.includes('KEY_REFUSED'),
      ),
    ).toBe(true);
    expect(await sessions()).toEqual(sessionsBefore);
    expect((await f.sql('SELECT u::text AS row FROM public.users u WHERE id = 900000002')).rows).toEqual(
      bobBefore,
    );
    await f.snowflake.sql('DELETE FROM ANALYTICS.PUBLIC.WEB_SESSIONS WHERE USER_ID = 900000123');
  }, 120_000);

  it('erases a subject across invocations, a batch per transaction, resuming from the ledger: erased with its proof, nobody else changed', async () => {
    // Prepare: two tickets of a person without an account.
    await f.sql(
      `INSERT INTO public.support_tickets (ticket_id, requester_email, user_id, subject, body, opened_at) VALUES
       ('7d9f6c2e-0000-4000-8000-0000000000d1', '${JONAS}', NULL, 'Sizes', '{"messages": []}', '2025-05-07 10:00:00+00'),
       ('7d9f6c2e-0000-4000-8000-0000000000d2', '${JONAS}', NULL, 'Refund', '{"messages": []}', '2025-05-08 10:00:00+00')`,
    );
    // Every other person's rows, as text, in every mapped table of both systems.
    const others = async () => ({
      postgres: await Promise.all(
        f.dataMap.postgres.map(
          async (t) =>
            (
              await f.sql(
                `SELECT x::text AS row FROM ${t.table} x ${t.table === 'public.support_tickets' ? `WHERE requester_email <> '${JONAS}'` : ''} ORDER BY 1`,
              )
            ).rows,
        ),
      ),
      snowflake: JSON.stringify(
        await f.snowflake.sql('SELECT * FROM ANALYTICS.PUBLIC.WEB_SESSIONS ORDER BY SESSION_ID'),
      ),
    });
    const before = await others();
    const linesBefore = f.lines.length;

    // Act
    await f.pipeline.submit(erasureBody('ERASE-JONAS', { email: [JONAS] }), 'high');
    expect(await runUntil(ended('ERASE-JONAS'))).toBe(true);

    // Assess: one batch per invocation, handed on each time (the second before the proof, which
    // ran in an invocation of its own); every batch committed once.
    expect(await lifecycle('ERASE-JONAS')).toEqual([
      'received',
      'discovering',
      'discovered',
      'gated',
      'erasing',
      'erased',
    ]);
    const handOns = f.lines
      .slice(linesBefore)
      .filter((l) => l.includes('time short: the erasure continues') && l.includes('ERASE-JONAS'));
    expect(handOns).toHaveLength(2);
    const steps = (await readLedger(db, EVIDENCE, 'ERASE-JONAS'))
      .filter((e) => isEraseCheckpoint(e, 'step'))
      .map((e) => [
        e.detail?.table,
        Number(e.detail?.batch),
        Number(e.detail?.batches),
        Number(e.detail?.changed),
      ]);
    expect(steps).toEqual([
      ['public.support_tickets', 1, 2, 1],
      ['public.support_tickets', 2, 2, 1],
    ]);
    const receipt = await new SnowflakeErasureReceipts(async () => db, EVIDENCE).get('ERASE-JONAS');
    expect(receipt?.outcome).toBe('erased');
    expect(receipt?.remaining).toEqual([]);
    expect(receipt?.tables.find((t) => t.table === 'public.support_tickets')).toMatchObject({
      found: 2,
      deleted: 2,
      remaining: 0,
    });
    expect(await tickets(JONAS)).toBe(0);
    expect(await others()).toEqual(before);
  }, 120_000);

  it('refuses to plan an erasure from rows that would take more than its memory limit: dead-lettered at once with the cause, nothing changed', async () => {
    // Prepare: 2,000 tickets of one person: about 2 MiB held, over DSR_ERASE_PLAN_HEAP_MIB's 1 MiB.
    await f.sql(
      `INSERT INTO public.support_tickets (ticket_id, requester_email, user_id, subject, body, opened_at)
       SELECT ('7d9f6c2e-0000-4000-8000-0000000e' || lpad(g::text, 4, '0'))::uuid, '${KAI}', NULL, 'Question', '{"messages": []}',
              timestamptz '2025-06-01 10:00:00+00' + g * interval '1 hour'
       FROM generate_series(1, 2000) g`,
    );
    const dead = () => async () => (await lifecycle('ERASE-KAI')).includes('dead_lettered');

    // Act
    await f.pipeline.submit(erasureBody('ERASE-KAI', { email: [KAI] }), 'high');
    expect(await runUntil(dead())).toBe(true);

    // Assess: one extraction, refused with the cause; nothing erased; no identifier in the ledger or queues.
    expect(await lifecycle('ERASE-KAI')).toEqual(['received', 'discovering', 'dead_lettered']);
    const entry = (await readLedger(db, EVIDENCE, 'ERASE-KAI')).find((e) => e.state === 'dead_lettered');
    expect(entry?.detail?.code).toBe('SUBJECT_TOO_LARGE_FOR_MEMORY');
    expect(Number(entry?.detail?.attempt)).toBe(1);
    expect(await tickets(KAI)).toBe(2000);
    const deadLetters = JSON.stringify(
      await readQueueMessages(
        f.pipeline.aws.sqs,
        Object.values(f.pipeline.aws.queues).map((q) => q.deadLetterUrl),
      ),
    );
    expect(deadLetters).toContain('SUBJECT_TOO_LARGE_FOR_MEMORY');
    expect(deadLetters).not.toContain(KAI);
  }, 120_000);
});
