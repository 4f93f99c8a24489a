import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3PayloadStore } from '../../../adapters/aws/S3PayloadStore';
import { parseNotFollowed, parseUnparsedPhones } from '../../../shared/discovery/NotFollowed';
import { readLedger } from '../../../shared/load/readLedger';
import { readLoadedFindings } from '../../../shared/load/readLoadedFindings';
import { loadedFindingsDocument } from '../../../shared/report/loadedFindingsDocument';
import { renderAccessReport } from '../../../shared/report/renderAccessReport';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { localSnowflakeCliEnv, runDsr } from '../../support/cliProgram';
import {
  EVIDENCE,
  type KnownSubject,
  type LocalPipelineFixture,
  type SubmittedRequest,
  startLocalPipelineFixture,
} from '../../support/localPipelineFixture';
import { openTestSnowflakeDatabase } from '../../support/snowflake';

let fixture: LocalPipelineFixture;
let warehouse: SnowflakeDatabase;
let user1: KnownSubject;
let user3: KnownSubject;
let phone: string;
let sharing: SubmittedRequest;
let alone: SubmittedRequest;
let viaParts: SubmittedRequest;
let inline: SubmittedRequest;

/** A customer with one row only, whose findings are small enough to travel inline. */
const ines: KnownSubject = {
  label: 'ines',
  identifiers: { email: ['ines.line@example.com'] },
  expect: 'loaded',
  pii: ['ines.line@example.com', 'Ines Line', '12345'],
};

beforeAll(async () => {
  // Findings above 4 KiB travel as parts with a manifest; smaller ones inline. Phone numbers are
  // read as numbers of the United Kingdom, so a value that is not one is compared as digits.
  fixture = await startLocalPipelineFixture({
    env: { DSR_CLAIM_CHECK_BYTES: '4096' },
    dataMapYaml: (yaml) =>
      yaml.replace('phone: { normalize: digits }', 'phone: { normalize: phone, region: GB }'),
  });
  warehouse = openTestSnowflakeDatabase(fixture.snowflake);

  // Users 1 and 2 share one phone number (an office line): the users table learns phone.
  const shared = await fixture.sql('SELECT phone FROM public.users WHERE id = 1');
  phone = String(shared.rows[0]?.phone);
  await fixture.sql('UPDATE public.users SET phone = $1 WHERE id = 2', [phone]);
  // user-3's number and Ines's are not possible numbers of the United Kingdom.
  await fixture.sql("UPDATE public.users SET phone = '88.60.15.31' WHERE id = 3");
  await fixture.sql(
    `INSERT INTO public.users (id, email, full_name, phone, country, password_hash, external_id, created_at)
     VALUES (900000100, 'ines.line@example.com', 'Ines Line', '12345', 'GB', 'x', gen_random_uuid(), now())`,
  );
  const known = (label: string) => {
    const subject = fixture.subjects.find((s) => s.label === label);
    if (!subject) throw new Error(`the fixture knows ${label}`);
    return subject;
  };
  user1 = known('user-1');
  user3 = known('user-3');
  sharing = fixture.request(user1, { tag: 'SHARED' });
  alone = fixture.request(known('ana'), { tag: 'ALONE' });
  viaParts = fixture.request(user3, { tag: 'PARTS' });
  inline = fixture.request(ines, { tag: 'INLINE' });
  // One drain for every case of the file.
  await fixture.submit([sharing, alone, viaParts, inline]);
  await fixture.drain();
}, 180_000);

afterAll(async () => {
  await warehouse?.close();
  await fixture?.stop();
});

/** Whether the request's findings were handed over as parts with a manifest. */
async function handedOffAsParts(requestId: string): Promise<boolean> {
  const listed = await fixture.pipeline.aws.s3.send(
    new ListObjectsV2Command({ Bucket: fixture.pipeline.aws.bucket, Prefix: `claim-check/${requestId}/` }),
  );
  return (listed.Contents ?? []).some((o) => o.Key?.endsWith('/manifest.json'));
}

describe('The notes discovery writes beside the findings, through the local pipeline', () => {
  it('the note of values not followed reaches the ledger and the report of a loaded request, by count and table only', async () => {
    const expected = await fixture.expectedDocument(user1);
    expect(expected.notFollowed?.map((n) => [n.table, n.column, n.rows])).toEqual([
      ['public.users', 'phone', 2],
    ]);

    const history = await readLedger(warehouse, EVIDENCE, sharing.requestId);
    const loaded = history.find((e) => e.state === 'loaded');
    expect(loaded?.detail?.evidenceHash).toBe(expected.evidenceHash);
    const note = parseNotFollowed(loaded?.detail?.notFollowed);
    expect(note).toEqual(expected.notFollowed);
    // The hand-off went through parts and a manifest.
    expect(await handedOffAsParts(sharing.requestId)).toBe(true);

    const document = loadedFindingsDocument({
      dataMap: fixture.dataMap,
      requestId: sharing.requestId,
      subjectHash: expected.subject.hash,
      findings: await readLoadedFindings(warehouse, EVIDENCE, sharing.requestId),
      ...(note ? { notFollowed: note } : {}),
    });
    expect(document.evidenceHash).toBe(expected.evidenceHash);
    const report = renderAccessReport(
      {
        requestId: sharing.requestId,
        type: 'access',
        jurisdiction: 'GDPR',
        receivedAt: '2026-01-05T00:00:00.000Z',
        deadline: '2026-02-05T00:00:00.000Z',
      },
      document,
      fixture.dataMap,
    );
    expect(report).toContain('- phone not followed: shared by 2 rows of public.users.phone (postgres)');
    // No value in the ledger's note, and no other person's row.
    const digits = phone.replace(/\D/g, '');
    expect(String(loaded?.detail?.notFollowed)).not.toContain(digits.slice(-6));
    expect(document.findings.some((f) => f.table === 'public.users' && f.key.id !== '1')).toBe(false);

    // A request with nothing refused records no note.
    const other = (await readLedger(warehouse, EVIDENCE, alone.requestId)).find((e) => e.state === 'loaded');
    expect(other).toBeDefined();
    expect(other?.detail?.notFollowed).toBeUndefined();
  }, 180_000);

  it('the count of unparsed phone numbers reaches the ledger and both packages, through parts and inline', async () => {
    expect(fixture.dataMap.identities.phone).toMatchObject({ normalize: 'phone', region: 'GB' });
    const store = new S3PayloadStore(fixture.pipeline.aws.s3, { bucket: fixture.pipeline.aws.bucket });
    const out = await mkdtemp(join(tmpdir(), 'dsr-unparsed-'));
    try {
      for (const [request, subject, parts] of [
        [viaParts, user3, true],
        [inline, ines, false],
      ] as const) {
        const expected = await fixture.expectedDocument(subject);
        expect(expected.unparsedPhones).toEqual([
          { system: 'postgres', table: 'public.users', column: 'phone', rows: 1 },
        ]);
        expect(await handedOffAsParts(request.requestId)).toBe(parts);

        // The load stage records the count in the ledger, names and counts only.
        const history = await readLedger(warehouse, EVIDENCE, request.requestId);
        const loaded = history.find((e) => e.state === 'loaded');
        expect(loaded?.detail?.evidenceHash).toBe(expected.evidenceHash);
        expect(parseUnparsedPhones(loaded?.detail?.unparsedPhones)).toEqual(expected.unparsedPhones);
        for (const value of subject.pii) expect(String(loaded?.detail?.unparsedPhones)).not.toContain(value);

        // The package the load stage wrote lists it in the auditor's appendix.
        const line =
          '1 row of public.users.phone holds a phone number that could not be parsed (compared as digits)';
        const index = await store.get({
          bucket: fixture.pipeline.aws.bucket,
          key: `packages/${request.requestId}/index.html`,
        });
        expect(index?.body).toContain(`${line} (postgres)`);

        // So does the package `dsr report` writes from the loaded evidence and the ledger.
        const dir = join(out, request.requestId);
        const run = await runDsr(
          ['report', request.requestId, '--datamap', fixture.dataMapFile, '--out', dir],
          localSnowflakeCliEnv(fixture.snowflake, EVIDENCE),
        );
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        expect(await readFile(join(dir, 'index.html'), 'utf8')).toContain(`${line} (postgres)`);
      }
      // A request with every number parsed records no count.
      const ana = (await readLedger(warehouse, EVIDENCE, alone.requestId)).find((e) => e.state === 'loaded');
      expect(ana).toBeDefined();
      expect(ana?.detail?.unparsedPhones).toBeUndefined();
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('A warm extractor and the tables as they are now', () => {
  it('returns a column added after the extractor started, and goes on after a column it read is dropped', async () => {
    // Prepare: the extractor read both catalogs for the requests above; then the tables change, in
    // PostgreSQL and in Snowflake.
    await fixture.sql(`ALTER TABLE public.addresses ADD COLUMN delivery_note text;
      ALTER TABLE public.addresses DROP COLUMN kind;
      INSERT INTO public.addresses (id, user_id, line1, city, postal_code, country, delivery_note)
        VALUES (900000101, 900000100, '1 Line Road', 'Leeds', 'LS1 1AA', 'GB', 'leave at the door')`);
    await fixture.snowflake.sql('ALTER TABLE ANALYTICS.PUBLIC.WEB_SESSIONS ADD COLUMN REFERRER VARCHAR');
    await fixture.snowflake.sql('ALTER TABLE ANALYTICS.PUBLIC.WEB_SESSIONS DROP COLUMN PAGE_VIEWS');
    await fixture.snowflake.sql(
      `INSERT INTO ANALYTICS.PUBLIC.WEB_SESSIONS (SESSION_ID, USER_ID, STARTED_AT, REFERRER)
       SELECT '5e3a0000-0000-4000-8000-0000000000aa', 900000100, TO_TIMESTAMP_TZ('2026-01-02T03:04:05Z'), 'newsletter'`,
    );
    const after = fixture.request(ines, { tag: 'AFTER-DDL' });

    // Act
    await fixture.submit([after]);
    await fixture.drain();

    // Assess: loaded, and Ines's address carries the new column and not the dropped one.
    const loaded = (await readLedger(warehouse, EVIDENCE, after.requestId)).find((e) => e.state === 'loaded');
    expect(loaded).toBeDefined();
    const address = (await readLoadedFindings(warehouse, EVIDENCE, after.requestId)).find(
      (f) => f.table === 'public.addresses',
    );
    expect(address?.row).toMatchObject({ delivery_note: 'leave at the door', line1: '1 Line Road' });
    expect(address?.row).not.toHaveProperty('kind');
    const session = (await readLoadedFindings(warehouse, EVIDENCE, after.requestId)).find(
      (f) => f.table === 'ANALYTICS.PUBLIC.WEB_SESSIONS',
    );
    expect(session?.row).toMatchObject({ REFERRER: 'newsletter', USER_ID: '900000100' });
    expect(session?.row).not.toHaveProperty('PAGE_VIEWS');
  }, 180_000);
});
