import { randomUUID } from 'node:crypto';
import type { Connection } from 'snowflake-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import {
  connectTestDriver,
  destroyDriver,
  executeOnDriver,
  startTestSnowflake,
} from '../../support/snowflake';

function executeWithRequestId(
  conn: Connection,
  sqlText: string,
  requestId: string,
  binds: unknown[],
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    conn.execute({
      sqlText,
      requestId,
      binds: binds as never,
      complete: (error, _statement, rows) => (error ? reject(error) : resolve(rows ?? [])),
    });
  });
}

describe('Local Snowflake endpoint: injected faults, with the real driver', () => {
  let sf: LocalSnowflake;
  let conn: Connection;
  let nextId = 1;

  const countRows = async () => (await sf.sql('SELECT COUNT(*) AS N FROM DSR.FAULTS.EVENTS'))[0]?.N;
  const requestsFor = (marker: string) => sf.requests.filter((r) => r.requestId === marker);

  beforeAll(async () => {
    sf = await startTestSnowflake();
    await sf.sql('CREATE DATABASE IF NOT EXISTS DSR');
    await sf.sql('CREATE SCHEMA IF NOT EXISTS DSR.FAULTS');
    await sf.sql('CREATE TABLE DSR.FAULTS.EVENTS (ID NUMBER, LABEL VARCHAR(40))');
    conn = await connectTestDriver(sf);
  });
  afterEach(async () => {
    sf.faults.reset();
    await sf.sql('DELETE FROM DSR.FAULTS.EVENTS');
  });
  afterAll(async () => {
    await destroyDriver(conn);
    await sf?.stop();
  });

  it('survives two 503 answers through the driver retries', async () => {
    // Prepare
    sf.faults.failNext(2, 503);
    const before = sf.requests.length;

    // Act
    const rows = await executeOnDriver(conn, 'INSERT INTO DSR.FAULTS.EVENTS (ID) VALUES (?)', [nextId++]);

    // Assess
    expect(rows).toEqual([{ 'number of rows inserted': 1 }]);
    const attempts = sf.requests.slice(before).filter((r) => r.path === '/queries/v1/query-request');
    expect(attempts.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(new Set(attempts.map((r) => r.requestId)).size).toBe(1);
    expect(await countRows()).toBe('1');
  }, 30_000);

  it('answers 390112 once after the session expires; the driver renews and replays', async () => {
    // Prepare
    sf.faults.expireSessions();
    const before = sf.requests.length;

    // Act
    const rows = await executeOnDriver(conn, 'SELECT 42 AS ANSWER');

    // Assess
    expect(rows).toEqual([{ ANSWER: 42 }]);
    const seen = sf.requests.slice(before).map((r) => `${r.kind}:${r.status}${r.code ? `:${r.code}` : ''}`);
    expect(seen).toEqual(['select:200:390112', 'token:200', 'select:200']);
    await expect(executeOnDriver(conn, 'SELECT 1 AS ONE')).resolves.toEqual([{ ONE: 1 }]);
  });

  it('executes once when the answer is dropped after execution and the driver re-sends', async () => {
    // Prepare
    sf.faults.dropResponseAfterExecute(1);
    const before = sf.requests.length;

    // Act
    const rows = await executeOnDriver(conn, 'INSERT INTO DSR.FAULTS.EVENTS (ID) VALUES (?)', [nextId++]);

    // Assess
    expect(rows).toEqual([{ 'number of rows inserted': 1 }]);
    const attempts = sf.requests.slice(before).filter((r) => r.path === '/queries/v1/query-request');
    expect(attempts.map((r) => r.status)).toEqual([0, 200]);
    expect(attempts[0]?.requestId).toBe(attempts[1]?.requestId);
    expect(await countRows()).toBe('1');
  }, 30_000);

  it('answers a re-sent requestId from the stored answer without executing again', async () => {
    // Prepare
    const requestId = randomUUID();
    const sql = 'INSERT INTO DSR.FAULTS.EVENTS (ID) VALUES (?)';

    // Act
    const first = await executeWithRequestId(conn, sql, requestId, [nextId]);
    const second = await executeWithRequestId(conn, sql, requestId, [nextId++]);

    // Assess
    expect(first).toEqual([{ 'number of rows inserted': 1 }]);
    expect(second).toEqual(first);
    expect(requestsFor(requestId).map((r) => r.status)).toEqual([200, 200]);
    expect(await countRows()).toBe('1');
  });

  it('adds latency to every request', async () => {
    // Prepare
    sf.faults.setLatency(150);

    // Act
    const started = performance.now();
    await executeOnDriver(conn, 'SELECT 1');
    const elapsed = performance.now() - started;

    // Assess
    expect(elapsed).toBeGreaterThanOrEqual(140);
  });

  it('stalls only the next N query requests', async () => {
    // Prepare
    sf.faults.stallNext(1, 400);

    // Act
    const started = performance.now();
    await executeOnDriver(conn, 'SELECT 1');
    const stalled = performance.now() - started;
    const restarted = performance.now();
    await executeOnDriver(conn, 'SELECT 1');
    const normal = performance.now() - restarted;

    // Assess
    expect(stalled).toBeGreaterThanOrEqual(390);
    expect(normal).toBeLessThan(300);
  });

  it('reset() clears pending faults', async () => {
    // Prepare
    sf.faults.failNext(5, 503);
    sf.faults.dropResponseAfterExecute(5);

    // Act
    sf.faults.reset();
    const rows = await executeOnDriver(conn, 'SELECT 1 AS ONE');

    // Assess
    expect(rows).toEqual([{ ONE: 1 }]);
  });

  it('fails fast on invalid fault arguments', () => {
    expect(() => sf.faults.failNext(1, 200)).toThrow(/between 300 and 599 \(given 200\)/);
    expect(() => sf.faults.stallNext(-1, 10)).toThrow(RangeError);
  });
});
