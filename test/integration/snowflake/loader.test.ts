import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import type { CanonicalValue } from '../../../shared/canonical/CanonicalValue';
import { JsonNumber } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { sha256Hex } from '../../../shared/canonical/sha256';
import type { FindingsDocument } from '../../../shared/discovery/FindingsDocument';
import { appendLedgerEntry } from '../../../shared/load/appendLedgerEntry';
import { loadFindings } from '../../../shared/load/loadFindings';
import { readLedger } from '../../../shared/load/readLedger';
import { readLoadedFindings } from '../../../shared/load/readLoadedFindings';
import type { PgDatabase } from '../../../shared/postgres/PgDatabase';
import { configureSnowflakeDriver } from '../../../shared/snowflake/configureSnowflakeDriver';
import { SnowflakeDeadlineError, SnowflakeError } from '../../../shared/snowflake/errors';
import type { SnowflakeResult } from '../../../shared/snowflake/SnowflakeDatabase';
import { type SnowflakeBind, SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import { discoverWith, openDatabase } from '../../support/discovery';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from './helpers';

const AT = { database: 'EVIDENCE', schema: 'DSR' };
const MAP = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: public.people
    primaryKey: [id]
    identities: { email: email }
  - table: public.notes
    primaryKey: [person_id, n]
    identities: { email: author_email }
`;

let sf: LocalSnowflake;
let db: SnowflakeDatabase;
let pgTest: TestDatabase;
let pg: PgDatabase;
let document: FindingsDocument;

beforeAll(async () => {
  configureSnowflakeDriver({ logLevel: 'OFF' });
  sf = await startTestSnowflake();
  await sf.sql('CREATE DATABASE EVIDENCE');
  await sf.sql('CREATE SCHEMA EVIDENCE.DSR');
  db = openTestSnowflakeDatabase(sf);

  pgTest = await createTestDatabase('sfload');
  await pgTest.exec(`
    CREATE TABLE public.people (
      id bigint PRIMARY KEY, email text NOT NULL, small integer, balance numeric(38,18), profile jsonb,
      seen_at timestamptz, born date, photo bytea, name text, active boolean, score double precision, tags text[]
    );
    CREATE TABLE public.notes (person_id bigint, n integer, author_email text, body text, PRIMARY KEY (person_id, n));
    INSERT INTO public.people VALUES (
      9007199254740993, 'zoe@example.com', 7, 12345678901234567890.123456789012345678,
      '{"n": 123456789012345678901234567890, "list": [{"b": 1, "a": [1.5, null, true, "x"]}], "deep": {"z": {"y": []}}}',
      '2024-02-29 23:59:59.123456+05:30', '2000-01-01', '\\xdeadbeef00', 'Zoë 😀 ✓ 日本 "quoted" \\ back', true, 0.1,
      ARRAY['a', NULL, 'ç']
    );
    INSERT INTO public.notes SELECT 9007199254740993, g, 'ZOE@example.com', 'note ' || g FROM generate_series(1, 7) g;
  `);
  pg = openDatabase(pgTest.dsn);
  ({ document } = await discoverWith(pg, MAP, { email: ['zoe@example.com'] }, { requestId: 'req-load-1' }));
});

afterAll(async () => {
  await db?.close();
  await pg?.end();
  await pgTest?.drop();
  await sf?.stop();
});

beforeEach(() => {
  sf.faults.reset();
});

const count = async (requestId: string): Promise<number> =>
  Number(
    (await sf.sql(`SELECT COUNT(*) AS N FROM EVIDENCE.DSR.DSR_FINDINGS WHERE REQUEST_ID = '${requestId}'`))[0]
      ?.N,
  );

/** The same document under another request id, so each test starts from nothing. */
const as = (requestId: string): FindingsDocument => ({ ...document, requestId });

describe('Class: SnowflakeDatabase', () => {
  it('returns every Snowflake type in canonical form', async () => {
    await sf.sql('CREATE SCHEMA IF NOT EXISTS EVIDENCE.TYPES');
    await sf.sql(
      'CREATE TABLE EVIDENCE.TYPES.ALL_TYPES (I NUMBER(38,0), D NUMBER(38,18), F FLOAT, T VARCHAR(100), B BOOLEAN, ' +
        'DT DATE, TZ TIMESTAMP_TZ, NTZ TIMESTAMP_NTZ, V VARIANT, O OBJECT, A ARRAY, BIN BINARY, N VARCHAR)',
    );
    await sf.sql(
      `INSERT INTO EVIDENCE.TYPES.ALL_TYPES SELECT 123456789012345678901234567890123456, 12345678901234567890.123456789012345678, 1.5, ` +
        `'Zoë 😀', TRUE, '2024-02-29'::DATE, TO_TIMESTAMP_TZ('2024-02-29T23:59:59.123456+05:30'), ` +
        `'2024-02-29 23:59:59.123456'::TIMESTAMP_NTZ, PARSE_JSON('{"n":123456789012345678901234567890,"a":[{"k":0.1}]}'), ` +
        `PARSE_JSON('{"b":2,"a":1}'), PARSE_JSON('[1,"x",null]'), TO_BINARY('DEADBEEF00', 'HEX'), NULL`,
    );
    const [row] = await db.query('SELECT * FROM "EVIDENCE"."TYPES"."ALL_TYPES"');
    expect(canonicalJson(row as CanonicalValue)).toBe(
      canonicalJson({
        A: [new JsonNumber('1'), 'x', null],
        B: true,
        BIN: '3q2+7wA=',
        D: '12345678901234567890.123456789012345678',
        DT: '2024-02-29',
        F: 1.5,
        I: '123456789012345678901234567890123456',
        N: null,
        NTZ: '2024-02-29T23:59:59.123456',
        O: { a: new JsonNumber('1'), b: new JsonNumber('2') },
        T: 'Zoë 😀',
        TZ: '2024-02-29T18:29:59.123456Z',
        V: { a: [{ k: new JsonNumber('0.1') }], n: new JsonNumber('123456789012345678901234567890') },
      }),
    );
  });

  it('fails a SQL compilation error permanently, naming the object, without binds in the message', async () => {
    const error = await db
      .query('SELECT * FROM "EVIDENCE"."DSR"."NO_SUCH_TABLE" WHERE X = ?', ['secret-value'])
      .catch((e) => e);
    expect(error).toBeInstanceOf(SnowflakeError);
    expect(error).toMatchObject({ retryable: false, snowflakeCode: '002003' });
    expect(error.message).not.toContain('secret-value');
  });
});

describe('Function: loadFindings', () => {
  it('lands every finding and reads back rows byte-identical to the canonical ones', async () => {
    const result = await loadFindings(db, AT, as('req-roundtrip'), {
      discoveredAt: new Date('2026-01-02T03:04:05.678Z'),
      batchSize: 3,
    });
    expect(result).toEqual({ findings: 8, batches: 3 });
    const loaded = await readLoadedFindings(db, AT, 'req-roundtrip');
    expect(loaded.map((f) => [f.system, f.table, canonicalJson(f.key)])).toEqual(
      document.findings.map((f) => [f.system, f.table, canonicalJson(f.key)]),
    );
    for (const [i, finding] of document.findings.entries()) {
      const back = loaded[i];
      expect(canonicalJson(back?.row as CanonicalValue)).toBe(canonicalJson(finding.row));
      expect(back?.rowHash).toBe(sha256Hex(canonicalJson(finding.row)));
      expect(back?.evidenceHash).toBe(document.evidenceHash);
      expect(back?.discoveredAt).toBe('2026-01-02T03:04:05.678000Z');
    }
    const person = loaded.find((f) => f.table === 'public.people')?.row;
    expect(canonicalJson(person as CanonicalValue)).toContain(
      '"balance":"12345678901234567890.123456789012345678"',
    );
    expect(canonicalJson(person as CanonicalValue)).toContain('"n":123456789012345678901234567890');
    expect(person).toMatchObject({
      id: '9007199254740993',
      seen_at: '2024-02-29T18:29:59.123456Z',
      photo: '3q2+7wA=',
      name: 'Zoë 😀 ✓ 日本 "quoted" \\ back',
    });
  });

  it('adds nothing when the same findings are delivered again, whole or as a duplicated batch', async () => {
    const options = { discoveredAt: new Date('2026-01-02T00:00:00Z'), batchSize: 4 };
    await loadFindings(db, AT, as('req-dup'), options);
    await loadFindings(db, AT, as('req-dup'), options);
    const duplicatedBatch = {
      ...as('req-dup'),
      findings: [...document.findings.slice(0, 4), ...document.findings.slice(0, 4)],
    };
    await loadFindings(db, AT, duplicatedBatch, { ...options, batchSize: 8 });
    expect(await count('req-dup')).toBe(8);
  });

  it('leaves no duplicate when the answer to a committed MERGE is lost and the load is retried', async () => {
    sf.faults.dropResponseAfterExecute(1);
    const options = { discoveredAt: new Date('2026-01-02T00:00:00Z'), batchSize: 8 };
    const first = await loadFindings(db, AT, as('req-drop'), options).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (first !== undefined) expect(first).toMatchObject({ retryable: true });
    await loadFindings(db, AT, as('req-drop'), options);
    expect(await count('req-drop')).toBe(8);
    expect(sf.requests.some((r) => r.status === 0)).toBe(true);
  });

  it('survives 503s within the driver’s retry budget', async () => {
    sf.faults.failNext(1, 503);
    await loadFindings(db, AT, as('req-503'), { discoveredAt: new Date(), batchSize: 8 });
    expect(await count('req-503')).toBe(8);
    expect(sf.requests.filter((r) => r.status === 503)).toHaveLength(1);
  });

  it('turns 503s beyond the deadline into a retryable error, and a retry then lands each row once', async () => {
    const short = openTestSnowflakeDatabase(sf, { statementTimeoutMs: 1500 });
    try {
      await short.query('SELECT 1');
      sf.faults.failNext(1000, 503);
      const error = await loadFindings(short, AT, as('req-503-long'), {
        discoveredAt: new Date(),
        batchSize: 8,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SnowflakeDeadlineError);
      expect(error).toMatchObject({ retryable: true, code: 'SF_DEADLINE' });
      sf.faults.reset();
      await loadFindings(short, AT, as('req-503-long'), { discoveredAt: new Date(), batchSize: 8 });
      expect(await count('req-503-long')).toBe(8);
    } finally {
      await short.close();
    }
  });

  it('turns a stall past the deadline into a retryable error', async () => {
    const short = openTestSnowflakeDatabase(sf, { statementTimeoutMs: 800 });
    try {
      await short.query('SELECT 1');
      sf.faults.stallNext(1, 5000);
      const started = Date.now();
      const error = await short.query('SELECT 1').catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(error).toBeInstanceOf(SnowflakeDeadlineError);
      expect(error).toMatchObject({ retryable: true });
    } finally {
      await short.close();
    }
  });

  it('recovers when the session expires between batches', async () => {
    /** Expires every session after the first statement of the load. */
    class ExpiringDatabase extends SnowflakeDatabase {
      statements = 0;
      override async execute(
        sql: string,
        binds?: readonly SnowflakeBind[] | readonly (readonly SnowflakeBind[])[],
      ): Promise<SnowflakeResult> {
        const result = await super.execute(sql, binds);
        if (++this.statements === 3) sf.faults.expireSessions();
        return result;
      }
    }
    const expiring = new ExpiringDatabase({
      account: sf.account,
      user: 'DSR',
      password: 'dsr',
      accessUrl: sf.url,
    });
    try {
      await loadFindings(expiring, AT, as('req-expire'), { discoveredAt: new Date(), batchSize: 2 });
      expect(expiring.statements).toBeGreaterThan(3);
      expect(await count('req-expire')).toBe(8);
    } finally {
      await expiring.close();
    }
  });

  it('fails if the batch size is out of range', async () => {
    await expect(loadFindings(db, AT, as('x'), { discoveredAt: new Date(), batchSize: 0 })).rejects.toThrow(
      'batchSize must be between 1 and 10000 inclusive (given 0)',
    );
  });
});

describe('Module: ledger', () => {
  it('appends each (request, state, stage) once and reads the history in time order', async () => {
    const entry = (state: string, stage: string, at: string, detail?: Record<string, CanonicalValue>) => ({
      requestId: 'req-ledger',
      state,
      stage,
      at,
      traceId: 'trace-1',
      detail,
    });
    await appendLedgerEntry(db, AT, entry('loaded', 'load', '2026-01-02T00:00:03Z', { rows: 8 }));
    await appendLedgerEntry(db, AT, entry('received', 'intake', '2026-01-02T00:00:01Z'));
    await appendLedgerEntry(
      db,
      AT,
      entry('discovered', 'discover', '2026-01-02T00:00:02.5Z', { evidence: 'ab', n: 1 }),
    );
    await appendLedgerEntry(db, AT, entry('received', 'intake', '2026-01-02T00:09:09Z'));
    await appendLedgerEntry(db, AT, {
      ...entry('other', 'intake', '2026-01-02T00:00:00Z'),
      requestId: 'req-other',
    });
    const history = await readLedger(db, AT, 'req-ledger');
    expect(history.map((h) => [h.state, h.stage, h.at])).toEqual([
      ['received', 'intake', '2026-01-02T00:00:01.000000Z'],
      ['discovered', 'discover', '2026-01-02T00:00:02.500000Z'],
      ['loaded', 'load', '2026-01-02T00:00:03.000000Z'],
    ]);
    expect(history[0]).toMatchObject({ requestId: 'req-ledger', traceId: 'trace-1', detail: null });
    expect(canonicalJson(history[1]?.detail ?? null)).toBe('{"evidence":"ab","n":1}');
  });

  it('fails if a state is not a lower-case name', async () => {
    await expect(
      appendLedgerEntry(db, AT, { requestId: 'r', state: 'Bad State', stage: 'load', at: new Date() }),
    ).rejects.toThrow('state must be a lower-case name');
  });
});
