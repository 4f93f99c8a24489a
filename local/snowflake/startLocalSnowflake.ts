import { randomUUID } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { AnswerCache } from './AnswerCache';
import { type EngineSession, SESSION_PARAMETERS } from './EngineSession';
import { encodeReadable } from './encodeValue';
import { resolveObjectName } from './resolveObjectName';
import { SnowflakeEngine } from './SnowflakeEngine';
import { FaultPlan, type SnowflakeFaults } from './SnowflakeFaults';
import { SnowflakeSqlError, sqlErrors } from './SnowflakeSqlError';
import type { BindRows } from './StatementResult';
import {
  errorAnswer,
  queryAnswer,
  type SessionParameter,
  type SnowflakeAnswer,
  sessionParameters,
} from './snowflakeAnswers';
import { statementKind } from './statementKind';
import { tokenizeSql } from './tokenizeSql';
import { verifyJwt } from './verifyJwt';

export interface LocalSnowflakeOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** DuckDB file to keep the data in (each Snowflake database goes to a file next to it). @default in memory */
  dbPath?: string;
  /** Account name the driver must pass explicitly. @default 'local' */
  account?: string;
  /**
   * Users allowed to log in, names case-insensitive. `defaultWarehouse` is the session's warehouse
   * when the login names none (`null`: no default, so statements fail with 000606 until
   * `USE WAREHOUSE`). `defaultRole` is the session's primary role when the login names none
   * (@default PUBLIC). Names are stored upper-case, as Snowflake stores an unquoted name, so
   * `CURRENT_USER()` answers `DSR` for a login as `dsr`. @default { DSR: { password: 'dsr' } } with
   * default warehouse LOCAL_WH
   */
  users?: Record<
    string,
    { password?: string; publicKeyPem?: string; defaultWarehouse?: string | null; defaultRole?: string }
  >;
  /**
   * Warehouses that exist, written as a user writes them (`dsr_wh` is `DSR_WH`, `"Wh"` keeps its
   * case); the first is the default users' default warehouse. @default ['LOCAL_WH']
   */
  warehouses?: readonly string[];
  /** Databases and schemas that exist from the start (`CREATE … IF NOT EXISTS`), names as written. */
  schemas?: readonly { readonly database: string; readonly schema: string }[];
  /**
   * Account-level parameters every session starts with, e.g. `{ TIMESTAMP_INPUT_FORMAT:
   * 'DD/MM/YYYY HH24:MI:SS', TIMEZONE: 'America/Los_Angeles' }`, to run the product under a
   * non-default account setting.
   */
  parameters?: Readonly<Record<string, string>>;
  /** PEM certificate and key: serve HTTPS instead of HTTP. */
  tls?: { cert: string; key: string };
}

/** One handled request, for assertions. `kind` is the statement kind for queries, else the endpoint. */
export interface LocalSnowflakeRequest {
  readonly path: string;
  readonly requestId?: string;
  readonly kind: string;
  /** HTTP status answered; 0 when the connection was dropped without an answer. */
  readonly status: number;
  /** Snowflake error code of a failed answer. */
  readonly code?: string;
  /** The statement's QUERY_TAG (a statement parameter, else the session's), for queries. */
  readonly queryTag?: string;
  /** The statement text, for queries. */
  readonly sqlText?: string;
}

export interface LocalSnowflake {
  /** e.g. `http://127.0.0.1:PORT`: the driver's `accessUrl`. */
  readonly url: string;
  readonly port: number;
  readonly account: string;
  readonly faults: SnowflakeFaults;
  /** Runs Snowflake-dialect SQL directly (seeding and assertions), returning rows keyed by upper-case column name with values as the driver-independent strings/null. */
  sql(text: string, binds?: readonly (string | null)[]): Promise<Record<string, string | null>[]>;
  readonly requests: readonly LocalSnowflakeRequest[];
  stop(): Promise<void>;
}

interface ServerSession {
  readonly id: number;
  token: string;
  masterToken: string;
  readonly engine: EngineSession;
  readonly parameters: SessionParameter[];
  expiryGeneration: number;
}

/** Raised inside request handling to answer with a given HTTP status and Snowflake error. */
class Refusal extends Error {
  constructor(readonly answer: SnowflakeAnswer) {
    super(answer.message ?? 'refused');
  }
}

const REQUEST_LOG_LIMIT = 10_000;
const SESSION_VALIDITY_SECONDS = 3600;
const MASTER_VALIDITY_SECONDS = 4 * 3600;

/**
 * Starts a local endpoint that speaks the part of Snowflake's REST protocol the Node driver
 * (`snowflake-sdk`) uses, executing SQL on an embedded DuckDB. See `local/snowflake/README.md`.
 */
export async function startLocalSnowflake(options: LocalSnowflakeOptions = {}): Promise<LocalSnowflake> {
  const account = options.account ?? 'local';
  const users = new Map(
    Object.entries(options.users ?? { DSR: { password: 'dsr' } }).map(([name, auth]) => [
      name.toUpperCase(),
      auth,
    ]),
  );
  const engine = await SnowflakeEngine.open(options.dbPath);
  engine.warehouses.clear();
  for (const written of options.warehouses ?? ['LOCAL_WH']) {
    const name = resolveObjectName(written);
    if (!name) throw new Error(`warehouse ${JSON.stringify(written)} is not a Snowflake identifier`);
    engine.warehouses.add(name);
  }
  const defaultWarehouse = [...engine.warehouses][0];
  const direct = await engine.openSession({ warehouse: defaultWarehouse });
  for (const { database, schema } of options.schemas ?? []) {
    await engine.execute(direct, `CREATE DATABASE IF NOT EXISTS ${database}`, [[]]);
    await engine.execute(direct, `CREATE SCHEMA IF NOT EXISTS ${database}.${schema}`, [[]]);
  }
  const faults = new FaultPlan();
  const answers = new AnswerCache<{ answer: SnowflakeAnswer; kind: string }>(1000);
  const results = new AnswerCache<SnowflakeAnswer>(200);
  const sessions = new Map<string, ServerSession>();
  const requests: LocalSnowflakeRequest[] = [];
  let nextSessionId = 1;

  const log = (entry: LocalSnowflakeRequest) => {
    requests.push(entry);
    if (requests.length > REQUEST_LOG_LIMIT) requests.splice(0, requests.length - REQUEST_LOG_LIMIT);
  };

  const tokenOf = (req: IncomingMessage): string | undefined =>
    /Token="([^"]*)"/.exec(req.headers.authorization ?? '')?.[1];

  const sessionOf = (req: IncomingMessage): ServerSession => {
    const token = tokenOf(req);
    const session = token ? sessions.get(token) : undefined;
    if (!session) {
      throw new Refusal(
        errorAnswer(new SnowflakeSqlError('390104', '08001', 'User must login again to access the service.')),
      );
    }
    return session;
  };

  const login = async (url: URL, body: LoginBody): Promise<SnowflakeAnswer> => {
    const data = body.data ?? {};
    const userName = String(data.LOGIN_NAME ?? '').toUpperCase();
    const user = users.get(userName);
    const jwt = data.AUTHENTICATOR === 'SNOWFLAKE_JWT';
    const accepted =
      user !== undefined &&
      (jwt
        ? user.publicKeyPem !== undefined &&
          verifyJwt(String(data.TOKEN ?? ''), user.publicKeyPem, account, userName)
        : user.password !== undefined && data.PASSWORD === user.password);
    if (!accepted) {
      return errorAnswer(
        new SnowflakeSqlError('390100', '08004', 'Incorrect username or password was specified.'),
      );
    }
    const echo = Object.entries(data.SESSION_PARAMETERS ?? {})
      .filter(([name]) => name.toUpperCase() === 'JS_TREAT_INTEGER_AS_BIGINT')
      .map(([name, value]) => ({ name: name.toUpperCase(), value: value as SessionParameter['value'] }));
    // A login naming a warehouse that does not exist still succeeds, without a current warehouse.
    const named = url.searchParams.get('warehouse') ?? undefined;
    const wanted = named
      ? named.startsWith('"')
        ? named.slice(1, -1)
        : named.toUpperCase()
      : user.defaultWarehouse === null
        ? undefined
        : (user.defaultWarehouse ?? defaultWarehouse);
    // The login's role (`roleName`, unquoted: upper-case), else the user's default, else PUBLIC.
    // The endpoint models no grants, so any role named is taken.
    const roleParam = url.searchParams.get('roleName') ?? undefined;
    const role = roleParam
      ? roleParam.startsWith('"')
        ? roleParam.slice(1, -1)
        : roleParam.toUpperCase()
      : (user.defaultRole?.toUpperCase() ?? 'PUBLIC');
    const session: ServerSession = {
      id: nextSessionId++,
      token: `local-session-${randomUUID()}`,
      masterToken: `local-master-${randomUUID()}`,
      engine: await engine.openSession({
        ...(options.parameters ? { parameters: options.parameters } : {}),
        ...(wanted && engine.warehouses.has(wanted) ? { warehouse: wanted } : {}),
        user: userName,
        role,
      }),
      parameters: sessionParameters(echo),
      expiryGeneration: faults.expiryGeneration,
    };
    await engine.useIfExists(
      session.engine,
      url.searchParams.get('databaseName') ?? undefined,
      url.searchParams.get('schemaName') ?? undefined,
    );
    sessions.set(session.token, session);
    return {
      success: true,
      code: null,
      message: null,
      data: {
        token: session.token,
        masterToken: session.masterToken,
        validityInSeconds: SESSION_VALIDITY_SECONDS,
        masterValidityInSeconds: MASTER_VALIDITY_SECONDS,
        displayUserName: userName,
        serverVersion: 'local-duckdb',
        firstLogin: false,
        remMeToken: null,
        remMeValidityInSeconds: 0,
        healthCheckInterval: 45,
        newClientForUpgrade: null,
        sessionId: session.id,
        parameters: session.parameters,
        sessionInfo: {
          databaseName: session.engine.database ?? null,
          schemaName: session.engine.schema ?? null,
          warehouseName: session.engine.warehouse ?? null,
          roleName: session.engine.role,
        },
        idToken: null,
        idTokenValidityInSeconds: 0,
        responseData: null,
        mfaToken: null,
        mfaTokenValidityInSeconds: 0,
      },
    };
  };

  const renew = (req: IncomingMessage): SnowflakeAnswer => {
    const master = tokenOf(req);
    const session = [...sessions.values()].find((s) => s.masterToken === master);
    if (!session) {
      return errorAnswer(
        new SnowflakeSqlError(
          '390114',
          '08001',
          'Authentication token has expired.  The user must authenticate again.',
        ),
      );
    }
    sessions.delete(session.token);
    session.token = `local-session-${randomUUID()}`;
    sessions.set(session.token, session);
    return {
      success: true,
      code: null,
      message: null,
      data: {
        sessionToken: session.token,
        validityInSecondsST: SESSION_VALIDITY_SECONDS,
        masterToken: session.masterToken,
        validityInSecondsMT: MASTER_VALIDITY_SECONDS,
        sessionId: session.id,
      },
    };
  };

  const runQuery = async (session: ServerSession, body: QueryBody): Promise<SnowflakeAnswer> => {
    const queryId = randomUUID();
    const binds = bindRows(body.bindings);
    try {
      // Snowflake binds arrays for INSERT only; other drivers fall back to one execution per row
      // when told `arrayBindSupported: false`, the Node driver does not, so refuse it outright.
      // https://docs.snowflake.com/en/developer-guide/node-js/nodejs-driver-execute#binding-an-array-for-bulk-insertions
      const arrayBind = Object.values(body.bindings ?? {}).some((b) => Array.isArray(b.value));
      if (arrayBind && kindOf(String(body.sqlText ?? '')) !== 'insert') throw sqlErrors.arrayBindNotInsert();
      for (const name of Object.keys(body.parameters ?? {}))
        if (!SESSION_PARAMETERS.has(name.toUpperCase())) throw sqlErrors.invalidParameter(name);
      const result = await engine.execute(session.engine, String(body.sqlText ?? ''), binds);
      const answer = queryAnswer(result, {
        queryId,
        parameters: withSessionOverrides(session.parameters, session.engine.parameters),
        database: session.engine.database,
        schema: session.engine.schema,
        bindCount: binds[0]?.length ?? 0,
      });
      results.set(queryId, Promise.resolve(answer));
      return answer;
    } catch (error) {
      const sqlError =
        error instanceof SnowflakeSqlError
          ? error
          : new SnowflakeSqlError('000603', 'XX000', 'SQL execution internal error.');
      return errorAnswer(sqlError, queryId);
    }
  };

  const query = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    requestId: string | undefined,
  ): Promise<void> => {
    const path = url.pathname;
    const failure = faults.takeFailure();
    const body = (await readJson(req)) as QueryBody;
    const kind = kindOf(String(body.sqlText ?? ''));
    if (failure !== undefined) {
      send(res, failure, { success: false, code: null, message: 'injected failure', data: null });
      log({ path, requestId, kind, status: failure });
      return;
    }
    const stall = faults.takeStall();
    if (stall > 0) await sleep(stall);
    const session = sessionOf(req);
    if (session.expiryGeneration < faults.expiryGeneration) {
      session.expiryGeneration = faults.expiryGeneration;
      const answer = errorAnswer(new SnowflakeSqlError('390112', '08001', 'Session token expired.'));
      send(res, 200, answer);
      log({ path, requestId, kind, status: 200, code: '390112' });
      return;
    }
    let pending = requestId ? answers.get(requestId) : undefined;
    if (!pending) {
      pending = runQuery(session, body).then((answer) => ({ answer, kind }));
      if (requestId) answers.set(requestId, pending);
    }
    const { answer } = await pending;
    const tag = body.parameters?.QUERY_TAG ?? session.engine.parameters.get('QUERY_TAG');
    const about = {
      ...(tag !== undefined ? { queryTag: String(tag) } : {}),
      sqlText: String(body.sqlText ?? ''),
    };
    if (faults.takeDrop()) {
      res.socket?.destroy();
      log({ path, requestId, kind, status: 0, ...about });
      return;
    }
    send(res, 200, answer);
    log({ path, requestId, kind, status: 200, ...(answer.code ? { code: answer.code } : {}), ...about });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname;
    const requestId = url.searchParams.get('requestId') ?? undefined;
    const reply = (kind: string, answer: SnowflakeAnswer, status = 200) => {
      send(res, status, answer);
      log({
        path,
        requestId,
        kind,
        status,
        ...(answer.code && !answer.success ? { code: answer.code } : {}),
      });
    };
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    try {
      if (req.method === 'POST' && path === '/queries/v1/query-request') {
        await query(req, res, url, requestId);
      } else if (req.method === 'POST' && path === '/session/v1/login-request') {
        reply('login', await login(url, (await readJson(req)) as LoginBody));
      } else if (req.method === 'POST' && path === '/session/token-request') {
        await readJson(req);
        reply('token', renew(req));
      } else if (req.method === 'POST' && path === '/session/heartbeat') {
        sessionOf(req);
        reply('heartbeat', { success: true, code: null, message: null, data: null });
      } else if (req.method === 'POST' && path === '/session' && url.searchParams.get('delete') === 'true') {
        const session = sessionOf(req);
        sessions.delete(session.token);
        engine.closeSession(session.engine);
        reply('close', { success: true, code: null, message: null, data: null });
      } else if (req.method === 'POST' && path === '/telemetry/send') {
        await readJson(req);
        reply('telemetry', { success: true, code: null, message: null, data: null });
      } else if (req.method === 'POST' && /^\/queries\/(v1\/|[^/]+\/)abort-request$/.test(path)) {
        await readJson(req);
        reply('abort', { success: true, code: null, message: null, data: null });
      } else if (req.method === 'GET' && /^\/queries\/[^/]+\/result$/.test(path)) {
        sessionOf(req);
        const queryId = path.split('/')[2] ?? '';
        const stored = await results.get(queryId);
        reply(
          'result',
          stored ?? errorAnswer(new SnowflakeSqlError('000709', '02000', `Statement ${queryId} not found`)),
        );
      } else if (req.method === 'GET' && /^\/monitoring\/queries\/[^/]+$/.test(path)) {
        sessionOf(req);
        const queryId = path.split('/')[3] ?? '';
        const found = results.get(queryId) !== undefined;
        reply('monitoring', {
          success: true,
          code: null,
          message: null,
          data: { queries: found ? [{ id: queryId, status: 'SUCCESS' }] : [] },
        });
      } else {
        reply(
          'other',
          {
            success: false,
            code: '390400',
            message: `Unknown endpoint ${path}`,
            data: { sqlState: '08000' },
          },
          404,
        );
      }
    } catch (error) {
      if (error instanceof Refusal) reply('refused', error.answer);
      else {
        const message = error instanceof Error ? error.message : String(error);
        reply(
          'error',
          errorAnswer(new SnowflakeSqlError('000603', 'XX000', `Internal error: ${message}`)),
          200,
        );
      }
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.destroy();
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const url = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let stopped = false;

  return {
    url,
    port,
    account,
    faults,
    requests,
    async sql(text, binds = []) {
      const result = await engine.execute(direct, text, [binds]);
      return result.rows.map((row) =>
        Object.fromEntries(
          result.columns.map((column, index) => [column.name, encodeReadable(row[index], column)]),
        ),
      );
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      for (const session of sessions.values()) engine.closeSession(session.engine);
      sessions.clear();
      engine.closeSession(direct);
      await engine.close();
    },
  };
}

interface LoginBody {
  data?: {
    LOGIN_NAME?: unknown;
    PASSWORD?: unknown;
    AUTHENTICATOR?: unknown;
    TOKEN?: unknown;
    SESSION_PARAMETERS?: Record<string, unknown>;
  };
}

interface QueryBody {
  sqlText?: unknown;
  parameters?: Record<string, unknown>;
  bindings?: Record<string, { type?: string; value?: unknown }>;
}

/** Turns the driver's positional `bindings` into rows; an array bind gives one row per element. */
function bindRows(bindings: QueryBody['bindings']): BindRows {
  if (!bindings) return [];
  const columns = Object.entries(bindings)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, bind]) => bind.value);
  const asText = (value: unknown): string | null =>
    value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value);
  const arrays = columns.filter(Array.isArray);
  if (arrays.length === 0) return [columns.map(asText)];
  const length = Math.max(...arrays.map((a) => a.length));
  return Array.from({ length }, (_, row) =>
    columns.map((column) => asText(Array.isArray(column) ? column[row] : column)),
  );
}

/** The answered parameters, with the session's own `TIMEZONE` (the driver reads LTZ values with it). */
function withSessionOverrides(
  base: readonly SessionParameter[],
  session: ReadonlyMap<string, string>,
): SessionParameter[] {
  const timezone = session.get('TIMEZONE');
  return base.map((p) => (p.name === 'TIMEZONE' && timezone ? { name: p.name, value: timezone } : p));
}

function kindOf(sqlText: string): string {
  // A statement the engine refuses for its size is not worth tokenizing here.
  if (sqlText.length > 16 * 1024 * 1024) return 'unknown';
  try {
    return statementKind(tokenizeSql(sqlText));
  } catch {
    return 'unknown';
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body = Buffer.concat(chunks);
  if (body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b) body = gunzipSync(body);
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return {};
  }
}

function send(res: ServerResponse, status: number, answer: SnowflakeAnswer): void {
  const text = JSON.stringify(answer);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
