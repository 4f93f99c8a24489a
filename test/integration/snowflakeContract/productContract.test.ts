import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import type { CanonicalRow } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import type { Finding } from '../../../shared/discovery/FindingsDocument';
import { appendLedgerEntries } from '../../../shared/load/appendLedgerEntry';
import { loadFindingsPart } from '../../../shared/load/loadFindings';
import { readLedger } from '../../../shared/load/readLedger';
import { readLoadedFindings } from '../../../shared/load/readLoadedFindings';
import { configureSnowflakeDriver } from '../../../shared/snowflake/configureSnowflakeDriver';
import { SnowflakeError, SnowflakeValueTooLargeError } from '../../../shared/snowflake/errors';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { loadLocationFromEnv } from '../../../shared/snowflake/snowflakeEnv';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from '../snowflake/helpers';

/**
 * The product's side of the Snowflake contract, each case one that the previous statement shapes
 * or settings got wrong: run through the real driver against the local endpoint.
 */
const AT = { database: 'EVIDENCE', schema: 'DSR' };
const DISCOVERED = new Date('2024-03-01T10:11:12.345Z');

const finding = (table: string, id: number, row: CanonicalRow): Finding => ({
  system: 'snowflake',
  table,
  key: { ID: String(id) },
  provenance: [{ column: 'ID', identity: 'user_id', round: 1, source: 'request', via: 'identity' }],
  row,
});

describe('Snowflake contract: the loader and the ledger', () => {
  let sf: LocalSnowflake;
  let db: SnowflakeDatabase;

  beforeAll(async () => {
    configureSnowflakeDriver({ logLevel: 'OFF' });
    sf = await startTestSnowflake();
    await sf.sql('CREATE DATABASE EVIDENCE');
    await sf.sql('CREATE SCHEMA EVIDENCE.DSR');
    db = openTestSnowflakeDatabase(sf);
  });
  afterAll(async () => {
    await db?.close();
    await sf?.stop();
  });

  it('sends each batch as one bound JSON array (no array binds), capped by bytes, and lands each finding once', async () => {
    // Prepare: 40 findings of ~2 KB each, one key repeated inside the part.
    const findings = Array.from({ length: 40 }, (_, i) =>
      finding('CRM.PUBLIC.CONTACTS', i, { ID: String(i), NOTE: 'x'.repeat(2000) }),
    );
    findings.push(finding('CRM.PUBLIC.CONTACTS', 3, { ID: '3', NOTE: 'x'.repeat(2000) }));
    const before = sf.requests.length;

    // Act
    const result = await loadFindingsPart(
      db,
      AT,
      { requestId: 'req-bytes', evidenceHash: 'e'.repeat(64) },
      findings,
      { discoveredAt: DISCOVERED, maxStatementBytes: 16 * 1024 },
    );

    // Assess
    const merges = sf.requests.slice(before).filter((r) => r.kind === 'merge');
    expect(result.batches).toBeGreaterThan(4);
    expect(merges).toHaveLength(result.batches);
    expect(merges.every((r) => (r.sqlText?.match(/\?/g) ?? []).length === 1)).toBe(true);
    const loaded = await readLoadedFindings(db, AT, 'req-bytes');
    expect(loaded).toHaveLength(40);
    expect(loaded[0]).toMatchObject({ discoveredAt: '2024-03-01T10:11:12.345000Z' });
  });

  it('tags the loader statements with the stage and a hash of the request id, never the id itself', async () => {
    const before = sf.requests.length;
    await loadFindingsPart(
      db,
      AT,
      { requestId: 'req-tag-7', evidenceHash: 'a'.repeat(64) },
      [finding('T', 1, { ID: '1' })],
      { discoveredAt: DISCOVERED },
    );
    const merge = sf.requests.slice(before).find((r) => r.kind === 'merge');
    expect(merge?.queryTag).toMatch(/^dsr-bridge:load:[0-9a-f]{16}$/);
    expect(merge?.queryTag).not.toContain('req-tag-7');
    const login = sf.requests.find((r) => r.sqlText?.startsWith('ALTER SESSION'));
    expect(login?.sqlText).toBe(
      "ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = 10, QUERY_TAG = 'dsr-bridge'",
    );
    expect(login?.code).toBeUndefined();
  });

  it('fails a finding larger than a VARIANT holds permanently, naming table and key columns, sending nothing', async () => {
    // Prepare
    const secret = 'subject@example.com';
    const huge = finding('CRM.PUBLIC.BLOBS', 1, {
      ID: '1',
      OWNER: secret,
      BODY: 'y'.repeat(17 * 1024 * 1024),
    });
    const before = sf.requests.length;

    // Act
    const failure = loadFindingsPart(
      db,
      AT,
      { requestId: 'req-huge', evidenceHash: 'b'.repeat(64) },
      [huge],
      {
        discoveredAt: DISCOVERED,
      },
    );

    // Assess
    await expect(failure).rejects.toBeInstanceOf(SnowflakeValueTooLargeError);
    await expect(failure).rejects.toMatchObject({ retryable: false, code: 'SF_VALUE_TOO_LARGE' });
    const message = await failure.catch((e: Error) => e.message);
    expect(message).toContain('CRM.PUBLIC.BLOBS');
    expect(message).toContain('ID');
    expect(message).not.toContain(secret);
    expect(sf.requests.slice(before).filter((r) => r.kind === 'merge')).toHaveLength(0);
  });

  it('appends ledger entries from one bound array: a trace id and detail are kept, a missing one is NULL', async () => {
    await appendLedgerEntries(db, AT, [
      {
        requestId: 'req-ledger',
        state: 'received',
        stage: 'intake',
        at: new Date('2024-01-01T00:00:00Z'),
        traceId: 't-1',
      },
      {
        requestId: 'req-ledger',
        state: 'loaded',
        stage: 'load',
        at: new Date('2024-01-01T00:00:01.5Z'),
        detail: { n: 3 },
      },
      { requestId: 'req-ledger', state: 'received', stage: 'intake', at: new Date('2024-01-02T00:00:00Z') },
    ]);
    const history = await readLedger(db, AT, 'req-ledger');
    expect(history).toEqual([
      expect.objectContaining({
        state: 'received',
        at: '2024-01-01T00:00:00.000000Z',
        traceId: 't-1',
        detail: null,
      }),
      expect.objectContaining({ state: 'loaded', at: '2024-01-01T00:00:01.500000Z', traceId: null }),
    ]);
    expect(canonicalJson(history[1]?.detail ?? null)).toBe('{"n":3}');
  });

  it('reads OBJECT and ARRAY columns with every digit (fetched as text, parsed losslessly)', async () => {
    // Prepare
    await sf.sql('CREATE TABLE EVIDENCE.DSR.SHAPES (ID NUMBER(38,0), O OBJECT, A ARRAY, V VARIANT)');
    await sf.sql(
      `INSERT INTO EVIDENCE.DSR.SHAPES SELECT 1, PARSE_JSON('{"big":9007199254740993}'), PARSE_JSON('[9007199254740993, 12345678901234567890]'), PARSE_JSON('{"big":9007199254740993}')`,
    );

    // Act
    const [row] = await db.query('SELECT ID, O, A, V FROM EVIDENCE.DSR.SHAPES');

    // Assess
    const text = JSON.stringify(row, (_k, v) =>
      typeof v === 'object' && v && 'text' in v ? `#${String(v.text)}` : v,
    );
    expect(text).toContain('9007199254740993');
    expect(text).toContain('12345678901234567890');
    expect(text).not.toContain('9007199254740992');
  });

  it('reads load locations given in lower case as the unquoted names the user meant', () => {
    expect(
      loadLocationFromEnv({ SNOWFLAKE_LOAD_DATABASE: 'evidence', SNOWFLAKE_LOAD_SCHEMA: 'dsr' } as never),
    ).toEqual({ database: 'EVIDENCE', schema: 'DSR' });
    expect(loadLocationFromEnv({ SNOWFLAKE_DATABASE: 'Crm', SNOWFLAKE_SCHEMA: 'public' } as never)).toEqual({
      database: 'CRM',
      schema: 'PUBLIC',
    });
    expect(loadLocationFromEnv({ SNOWFLAKE_DATABASE: 'crm' } as never)).toBeUndefined();
  });
});

describe('Snowflake contract: under a non-default account TIMESTAMP_INPUT_FORMAT', () => {
  let sf: LocalSnowflake;
  let db: SnowflakeDatabase;

  beforeAll(async () => {
    configureSnowflakeDriver({ logLevel: 'OFF' });
    sf = await startTestSnowflake({ parameters: { TIMESTAMP_INPUT_FORMAT: 'DD/MM/YYYY HH24:MI:SS' } });
    await sf.sql('CREATE DATABASE EVIDENCE');
    await sf.sql('CREATE SCHEMA EVIDENCE.DSR');
    db = openTestSnowflakeDatabase(sf);
  });
  afterAll(async () => {
    await db?.close();
    await sf?.stop();
  });

  it('the setting bites: an ISO timestamp bound without a format is refused', async () => {
    await expect(
      db.query('SELECT TO_TIMESTAMP_TZ(?) AS T', ['2024-03-01T10:11:12.345+00:00']),
    ).rejects.toMatchObject({
      snowflakeCode: '100035',
      retryable: false,
    });
  });

  it('lands findings and ledger entries with the instants that were bound', async () => {
    await loadFindingsPart(
      db,
      AT,
      { requestId: 'req-fmt', evidenceHash: 'c'.repeat(64) },
      [finding('T', 1, { ID: '1' })],
      { discoveredAt: DISCOVERED },
    );
    await appendLedgerEntries(db, AT, [
      { requestId: 'req-fmt', state: 'loaded', stage: 'load', at: new Date('2024-12-31T23:59:59.999Z') },
    ]);
    expect((await readLoadedFindings(db, AT, 'req-fmt'))[0]?.discoveredAt).toBe(
      '2024-03-01T10:11:12.345000Z',
    );
    expect((await readLedger(db, AT, 'req-fmt'))[0]?.at).toBe('2024-12-31T23:59:59.999000Z');
  });
});

describe('Snowflake contract: configuration faults', () => {
  let sf: LocalSnowflake;
  let db: SnowflakeDatabase;

  beforeAll(async () => {
    configureSnowflakeDriver({ logLevel: 'OFF' });
    sf = await startTestSnowflake({ users: { DSR: { password: 'dsr', defaultWarehouse: null } } });
    await sf.sql('CREATE DATABASE EVIDENCE');
    db = openTestSnowflakeDatabase(sf);
  });
  afterAll(async () => {
    await db?.close();
    await sf?.stop();
  });

  it('fails at once without a warehouse, with a code that names the fix', async () => {
    const failure = db.query('SELECT 1 AS ONE');
    await expect(failure).rejects.toBeInstanceOf(SnowflakeError);
    await expect(failure).rejects.toMatchObject({ code: 'SF_NO_WAREHOUSE', retryable: false });
    expect(sf.requests.filter((r) => r.code === '000606')).toHaveLength(1);
  });

  it('fails at once on an object that does not exist or is not authorised', async () => {
    const other = openTestSnowflakeDatabase(sf, { warehouse: 'LOCAL_WH' });
    try {
      await expect(other.query('SELECT * FROM EVIDENCE.PUBLIC.NOPE')).rejects.toMatchObject({
        code: 'SF_OBJECT_MISSING_OR_UNAUTHORIZED',
        retryable: false,
      });
    } finally {
      await other.close();
    }
  });
});
