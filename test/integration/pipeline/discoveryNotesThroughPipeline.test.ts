import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNotFollowed } from '../../../shared/discovery/NotFollowed';
import { readLedger } from '../../../shared/load/readLedger';
import { readLoadedFindings } from '../../../shared/load/readLoadedFindings';
import { loadedFindingsDocument } from '../../../shared/report/loadedFindingsDocument';
import { renderAccessReport } from '../../../shared/report/renderAccessReport';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import {
  EVIDENCE,
  type LocalPipelineFixture,
  startLocalPipelineFixture,
} from '../../support/localPipelineFixture';
import { openTestSnowflakeDatabase } from '../../support/snowflake';

let fixture: LocalPipelineFixture;
let warehouse: SnowflakeDatabase;

beforeAll(async () => {
  // Findings above 4 KiB travel as parts with a manifest; smaller ones inline.
  fixture = await startLocalPipelineFixture({ env: { DSR_CLAIM_CHECK_BYTES: '4096' } });
  warehouse = openTestSnowflakeDatabase(fixture.snowflake);
}, 180_000);

afterAll(async () => {
  await warehouse?.close();
  await fixture?.stop();
});

describe('The note of values not followed through the local pipeline', () => {
  it('reaches the ledger and the report of a loaded request, by count and table only', async () => {
    // Users 1 and 2 share one phone number (an office line): the users table learns phone.
    const shared = await fixture.sql('SELECT phone FROM public.users WHERE id = 1');
    const phone = String(shared.rows[0]?.phone);
    await fixture.sql('UPDATE public.users SET phone = $1 WHERE id = 2', [phone]);
    const user1 = fixture.subjects.find((s) => s.label === 'user-1');
    const ana = fixture.subjects.find((s) => s.label === 'ana');
    if (!user1 || !ana) throw new Error('the fixture knows user-1 and ana');
    const sharing = fixture.request(user1, { tag: 'SHARED' });
    const alone = fixture.request(ana, { tag: 'ALONE' });
    await fixture.submit([sharing, alone]);
    await fixture.drain();

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
    const listed = await fixture.pipeline.aws.s3.send(
      new ListObjectsV2Command({
        Bucket: fixture.pipeline.aws.bucket,
        Prefix: `claim-check/${sharing.requestId}/`,
      }),
    );
    expect((listed.Contents ?? []).some((o) => o.Key?.endsWith('/manifest.json'))).toBe(true);

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
});
