import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingsSourceOf } from '../../../shared/discovery/FindingsStream';
import { ensureEvidenceTables } from '../../../shared/load/ensureEvidenceTables';
import { loadFindings } from '../../../shared/load/loadFindings';
import { readLoadedFindings } from '../../../shared/load/readLoadedFindings';
import { LoadedEvidenceMismatchError } from '../../../shared/report/LoadedEvidenceMismatchError';
import { loadedFindingsDocument } from '../../../shared/report/loadedFindingsDocument';
import { writeAccessPackage } from '../../../shared/report/package/writeAccessPackage';
import {
  LOADED_FINDINGS_DIR_PREFIX,
  streamLoadedFindings,
} from '../../../shared/report/streamLoadedFindings';
import { hostileDocument, packageMap, packageRequest, packageTempDir } from '../../support/packageFixture';
import { startTestEvidence, type TestEvidence } from '../../support/snowflake';

const AT = { database: 'EVIDENCE', schema: 'DSR' };
const SUBJECT_HASH = 'a'.repeat(64);

let evidence: TestEvidence;
let dir: string;

/** The fixture's subject under `requestId`, with 25 newsletter rows: ids 1–25 sort otherwise as text. */
const documentFor = (requestId: string) => ({ ...hostileDocument({ notes: 25 }), requestId });

beforeAll(async () => {
  evidence = await startTestEvidence(AT);
  await ensureEvidenceTables(evidence.db, AT);
  dir = await packageTempDir();
  for (const requestId of ['REQ-STREAM', 'REQ-TAMPERED'])
    await loadFindings(evidence.db, AT, documentFor(requestId), { discoveredAt: new Date() });
}, 60_000);

afterAll(async () => {
  await evidence?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every file of a package folder, by path. */
async function filesOf(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files.set(path.slice(root.length + 1), await readFile(path));
    }
  return files;
}

const ownTempDirs = async () =>
  (await readdir(tmpdir())).filter((n) => n.startsWith(`${LOADED_FINDINGS_DIR_PREFIX}${process.pid}-`));

describe('Function: streamLoadedFindings', () => {
  it('gives a package byte-identical to the one rebuilt in memory, through pages and merged sorted runs', async () => {
    // Prepare: the in-memory path, as `dsr report` took it before.
    const request = { ...packageRequest, requestId: 'REQ-STREAM' };
    const document = loadedFindingsDocument({
      dataMap: packageMap,
      requestId: 'REQ-STREAM',
      subjectHash: SUBJECT_HASH,
      findings: await readLoadedFindings(evidence.db, AT, 'REQ-STREAM'),
    });
    const inMemory = join(dir, 'in-memory');
    await writeAccessPackage({
      source: findingsSourceOf(document),
      dataMap: packageMap,
      request,
      dir: inMemory,
    });

    // Act: pages of 4 rows, and runs of about 2 KB, so the 25-row table is sorted in several runs.
    const source = await streamLoadedFindings({
      db: evidence.db,
      at: AT,
      dataMap: packageMap,
      requestId: 'REQ-STREAM',
      subjectHash: SUBJECT_HASH,
      pageRows: 4,
      runBytes: 2048,
    });
    const streamed = join(dir, 'streamed');
    try {
      await writeAccessPackage({ source, dataMap: packageMap, request, dir: streamed });
    } finally {
      await source.dispose();
    }

    // Assess
    expect(source.summary).toMatchObject({
      evidenceHash: document.evidenceHash,
      rows: 26,
      counts: document.counts,
    });
    const expected = await filesOf(inMemory);
    const actual = await filesOf(streamed);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, bytes] of expected) expect(actual.get(path)?.equals(bytes), path).toBe(true);
    expect(await ownTempDirs()).toEqual([]);
  }, 60_000);

  it('refuses rows changed after they were loaded, before anything is written, and leaves no file behind', async () => {
    await evidence.db.execute(
      `UPDATE EVIDENCE.DSR.DSR_FINDINGS SET "ROW" = PARSE_JSON(?) WHERE "REQUEST_ID" = ? AND "ROW_KEY" = ?`,
      ['{"id":3,"topic":"changed","user_id":42}', 'REQ-TAMPERED', '{"id":3}'],
    );
    const reading = streamLoadedFindings({
      db: evidence.db,
      at: AT,
      dataMap: packageMap,
      requestId: 'REQ-TAMPERED',
      subjectHash: SUBJECT_HASH,
      pageRows: 7,
    });
    await expect(reading).rejects.toThrow(LoadedEvidenceMismatchError);
    await expect(reading).rejects.toThrow(`the evidence read back hashes to`);
    expect(await ownTempDirs()).toEqual([]);
  }, 60_000);
});
