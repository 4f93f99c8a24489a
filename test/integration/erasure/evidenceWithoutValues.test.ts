import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { sha256Hex } from '../../../shared/canonical/sha256';
import { buildFindingsDocument } from '../../../shared/discovery/FindingsDocument';
import { loadFindings } from '../../../shared/load/loadFindings';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from '../snowflake/helpers';

const AT = { database: 'EVIDENCE', schema: 'DSR' };
let sf: LocalSnowflake;
let db: SnowflakeDatabase;

beforeAll(async () => {
  sf = await startTestSnowflake();
  await sf.sql('CREATE DATABASE EVIDENCE');
  await sf.sql('CREATE SCHEMA EVIDENCE.DSR');
  db = openTestSnowflakeDatabase(sf);
});
afterAll(async () => {
  await db?.close();
  await sf?.stop();
});

describe('Function: loadFindings with values: false (erasure requests)', () => {
  it('stores keys, row hashes and provenance, never the row', async () => {
    // Prepare
    const row = { email: 'ana@x.test', id: 1, name: 'Ana' };
    const document = buildFindingsDocument({
      requestId: 'req-erase-evidence',
      subjectHash: 'h',
      tables: [
        {
          system: 'postgres',
          table: 'public.people',
          primaryKey: ['id'],
          rows: [
            {
              key: { id: 1 },
              row,
              provenance: [
                { column: 'email', identity: 'email', round: 1, source: 'request', via: 'identity' },
              ],
            },
          ],
        },
      ],
    });

    // Act
    await loadFindings(db, AT, document, { discoveredAt: new Date('2026-12-01T00:00:00Z'), values: false });

    // Assess
    const stored = await sf.sql(
      'SELECT ROW_KEY, ROW, ROW_HASH, PROVENANCE FROM EVIDENCE.DSR.DSR_FINDINGS WHERE REQUEST_ID = ?',
      ['req-erase-evidence'],
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ ROW: null, ROW_HASH: sha256Hex(canonicalJson(row)) });
    expect(JSON.stringify(stored)).not.toContain('ana@x.test');
    expect(JSON.stringify(stored)).not.toContain('Ana');
  });
});
