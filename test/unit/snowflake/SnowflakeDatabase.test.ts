import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** A fake driver connection whose statements follow a script. */
interface FakeConnection {
  options: Record<string, unknown>;
  up: boolean;
  executed: string[];
  /** Statements sent by the login itself (ALTER SESSION). */
  session: string[];
  /** Statement parameters of each executed statement. */
  parameters: (Record<string, unknown> | undefined)[];
  cancelled: number;
}

const driver = vi.hoisted(() => {
  type Outcome = { error?: Record<string, unknown>; rows?: unknown[][]; stall?: boolean };
  const state = {
    connections: [] as FakeConnection[],
    loginOutcome: [] as ({ error?: Record<string, unknown>; down?: boolean; stall?: boolean } | undefined)[],
    script: [] as Outcome[],
  };
  const createConnection = (options: Record<string, unknown>) => {
    const fake: FakeConnection = {
      options,
      up: false,
      executed: [],
      session: [],
      parameters: [],
      cancelled: 0,
    };
    state.connections.push(fake);
    return {
      isUp: () => fake.up,
      connect(cb: (err: unknown, conn: unknown) => void) {
        const outcome = state.loginOutcome.shift();
        if (outcome?.stall) return this;
        if (outcome?.error) cb(Object.assign(new Error('login failed'), outcome.error), this);
        else {
          fake.up = !outcome?.down;
          cb(undefined, this);
        }
        return this;
      },
      execute(o: {
        sqlText: string;
        parameters?: Record<string, unknown>;
        complete: (err: unknown, stmt: unknown, rows?: unknown[]) => void;
      }) {
        if (o.sqlText.startsWith('ALTER SESSION')) {
          fake.session.push(o.sqlText);
          const done = { getColumns: () => [], getNumUpdatedRows: () => undefined, cancel: () => {} };
          queueMicrotask(() => o.complete(undefined, done, []));
          return done;
        }
        fake.executed.push(o.sqlText);
        fake.parameters.push(o.parameters);
        const outcome = state.script.shift() ?? { rows: [['1']] };
        const statement = {
          getColumns: () => [
            { getName: () => 'ONE', getType: () => 'fixed', getScale: () => 0, getPrecision: () => 38 },
          ],
          getNumUpdatedRows: () => undefined,
          cancel: () => {
            fake.cancelled++;
          },
        };
        if (!outcome.stall) {
          queueMicrotask(() => {
            if (outcome.error) {
              if (['390104', '390111'].includes(String(outcome.error.code))) fake.up = false;
              o.complete(Object.assign(new Error('statement failed'), outcome.error), statement);
            } else o.complete(undefined, statement, outcome.rows ?? []);
          });
        }
        return statement;
      },
      destroy(cb: () => void) {
        fake.up = false;
        cb();
      },
    };
  };
  return { state, createConnection };
});

vi.mock('snowflake-sdk', () => ({
  default: { createConnection: driver.createConnection, configure: () => {} },
}));

const { SnowflakeDatabase, snowflakeQueryTag } = await import('../../../shared/snowflake/SnowflakeDatabase');
const { SnowflakeDeadlineError, SnowflakeError } = await import('../../../shared/snowflake/errors');

const open = (options: Record<string, unknown> = {}) =>
  new SnowflakeDatabase({
    account: 'local',
    user: 'DSR',
    password: 'dsr',
    accessUrl: 'http://127.0.0.1:9',
    ...options,
  });

describe('Class: SnowflakeDatabase', () => {
  beforeEach(() => {
    driver.state.connections.length = 0;
    driver.state.loginOutcome.length = 0;
    driver.state.script.length = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('logs in once and reuses the session', async () => {
    const db = open();
    expect(await db.query('SELECT 1')).toEqual([{ ONE: '1' }]);
    await db.query('SELECT 2');
    expect(driver.state.connections).toHaveLength(1);
    expect(driver.state.connections[0]?.executed).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('passes the connection settings the product relies on', async () => {
    await open({ warehouse: 'WH', proxy: { host: 'proxy', port: 3128 }, networkTimeoutMs: 1234 }).query(
      'SELECT 1',
    );
    expect(driver.state.connections[0]?.options).toMatchObject({
      account: 'local',
      username: 'DSR',
      authenticator: 'SNOWFLAKE',
      accessUrl: 'http://127.0.0.1:9',
      warehouse: 'WH',
      proxyHost: 'proxy',
      proxyPort: 3128,
      useConnectionConfigProxyForOCSP: true,
      timeout: 1234,
      fetchAsString: ['Number', 'JSON', 'Object', 'Array', 'Map'],
      representNullAsStringNull: false,
    });
  });

  it('sets the server-side statement timeout and the session query tag right after login', async () => {
    await open({ statementTimeoutMs: 12_500 }).query('SELECT 1');
    expect(driver.state.connections[0]?.session).toEqual([
      "ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = 13, QUERY_TAG = 'dsr-bridge'",
    ]);
  });

  it('tags the statements run inside withQueryTag, and only those', async () => {
    const db = open();
    const tag = snowflakeQueryTag('load', 'req-1');
    await db.withQueryTag(tag, () => db.query('SELECT 1'));
    await db.query('SELECT 2');
    expect(tag).toMatch(/^dsr-bridge:load:[0-9a-f]{16}$/);
    expect(tag).not.toContain('req-1');
    expect(driver.state.connections[0]?.parameters).toEqual([{ QUERY_TAG: tag }, undefined]);
  });

  it('uses key-pair authentication and sets accessUrl only when configured', async () => {
    const privateKey = { get: async () => 'PEM' };
    await new SnowflakeDatabase({ account: 'myorg-acct', user: 'DSR', privateKey }).query('SELECT 1');
    const options = driver.state.connections[0]?.options;
    expect(options).toMatchObject({ authenticator: 'SNOWFLAKE_JWT', privateKey: 'PEM' });
    expect(options).not.toHaveProperty('accessUrl');
    expect(options).not.toHaveProperty('password');
  });

  it('logs in again and runs the statement once more when the session is gone', async () => {
    const db = open();
    await db.query('SELECT 1');
    driver.state.script.push({ error: { code: '390111', sqlState: '08001' } });
    expect(await db.query('SELECT 2')).toEqual([{ ONE: '1' }]);
    expect(driver.state.connections).toHaveLength(2);
    expect(driver.state.connections[1]?.executed).toEqual(['SELECT 2']);
  });

  it('gives up with a retryable error when the session is gone twice in a row', async () => {
    const db = open();
    driver.state.script.push({ error: { code: '390104' } }, { error: { code: '390104' } });
    const error = await db.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnowflakeError);
    expect(error).toMatchObject({ retryable: true, sessionGone: true });
  });

  it('logs in again when the driver reports the connection down', async () => {
    const db = open();
    await db.query('SELECT 1');
    (driver.state.connections[0] as FakeConnection).up = false;
    await db.query('SELECT 2');
    expect(driver.state.connections).toHaveLength(2);
  });

  it('does not run a failed statement again unless the session was gone', async () => {
    const db = open();
    driver.state.script.push({ error: { code: '002003', sqlState: '42S02' } });
    const error = await db.query('SELECT * FROM "NOPE"').catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false, snowflakeCode: '002003' });
    expect(driver.state.connections[0]?.executed).toEqual(['SELECT * FROM "NOPE"']);
  });

  it('fails a refused login permanently, and tries again on the next statement', async () => {
    const db = open();
    driver.state.loginOutcome.push({ error: { code: '390100', sqlState: '08004' } });
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ retryable: false, snowflakeCode: '390100' });
    expect(await db.query('SELECT 1')).toEqual([{ ONE: '1' }]);
  });

  it('fails a login that reports success without a session, retryably', async () => {
    driver.state.loginOutcome.push({ down: true });
    await expect(open().query('SELECT 1')).rejects.toMatchObject({ retryable: true });
  });

  it('turns a stalled statement into a retryable deadline error and cancels it', async () => {
    vi.useFakeTimers();
    const db = open({ statementTimeoutMs: 1000 });
    driver.state.script.push({ stall: true });
    const result = db.query('SELECT 1').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1000);
    const error = await result;
    expect(error).toBeInstanceOf(SnowflakeDeadlineError);
    expect(error).toMatchObject({ retryable: true, what: 'statement', deadlineMs: 1000 });
    expect(driver.state.connections[0]?.cancelled).toBe(1);
  });

  it('turns a stalled login into a retryable deadline error', async () => {
    vi.useFakeTimers();
    const db = open({ loginTimeoutMs: 500 });
    driver.state.loginOutcome.push({ stall: true });
    const result = db.query('SELECT 1').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(500);
    expect(await result).toMatchObject({ retryable: true, code: 'SF_DEADLINE', what: 'login' });
  });

  it('refuses statements after close', async () => {
    const db = open();
    await db.query('SELECT 1');
    await db.close();
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ retryable: false });
  });
});
