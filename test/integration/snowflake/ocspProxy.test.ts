import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { startTestSnowflake } from '../../support/snowflake';

const PROBE = fileURLToPath(new URL('./fixtures/proxyProbe.ts', import.meta.url));
/** Resolves nowhere: only the proxy knows where it is. */
const HOST = 'dsr-only-via-proxy.localhost';
const OCSP_HOST = 'ocsp.dsr-test.invalid';
/** Stands for Snowflake's OCSP response cache server (`SF_OCSP_RESPONSE_CACHE_SERVER_URL`). */
const CACHE_HOST = 'ocsp-cache.dsr-test.invalid';

let sf: LocalSnowflake;
let proxy: Server;
let caFile: string;
let cacheDir: string;
/** `host:port` of every CONNECT the proxy was asked for. */
const tunnels: string[] = [];
/** URL of every plain (absolute-URI) request the proxy was asked for. */
const requests: string[] = [];

/** A CA and a leaf for HOST whose Authority Information Access names an OCSP responder at OCSP_HOST. */
async function certificates(): Promise<{ caFile: string; cert: string; key: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'dsr-sf-proxy-'));
  const at = (f: string) => join(dir, f);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=dsr-bridge proxy test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  ssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'leaf.key',
    '-out',
    'leaf.csr',
    '-subj',
    `/CN=${HOST}`,
  );
  await writeFile(
    at('leaf.ext'),
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${HOST}\nauthorityInfoAccess=OCSP;URI:http://${OCSP_HOST}/\n`,
  );
  ssl(
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'leaf.pem',
    '-days',
    '2',
    '-extfile',
    'leaf.ext',
  );
  return {
    caFile: at('ca.pem'),
    cert: await readFile(at('leaf.pem'), 'utf8'),
    key: await readFile(at('leaf.key'), 'utf8'),
  };
}

beforeAll(async () => {
  const tls = await certificates();
  caFile = tls.caFile;
  cacheDir = await mkdtemp(join(tmpdir(), 'dsr-sf-ocsp-cache-'));
  sf = await startTestSnowflake({ tls: { cert: tls.cert, key: tls.key } });
  const sfPort = new URL(sf.url).port;
  // An HTTP CONNECT proxy: HOST:443 goes to the endpoint; anything else is recorded and refused
  // (it stands for the internet, which this network reaches only through the proxy).
  proxy = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(502).end();
  });
  proxy.on('connect', (req, socket) => {
    const target = req.url ?? '';
    tunnels.push(target);
    if (target !== `${HOST}:443`) {
      socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    const upstream = connect(Number(sfPort), '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await sf?.stop();
  // The certificates' directory holds the CA file; the cache directory the driver's OCSP cache.
  await Promise.all(
    [caFile && dirname(caFile), cacheDir].map((d) => d && rm(d, { recursive: true, force: true })),
  );
});

function probe(
  mode: 'fail-open' | 'fail-closed',
): Promise<{ ok: boolean; retryable?: boolean; message?: string }> {
  const port = (proxy.address() as AddressInfo).port;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', PROBE, `https://${HOST}:443`, sf.account, String(port), mode],
      {
        env: {
          ...process.env,
          NODE_EXTRA_CA_CERTS: caFile,
          SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
          SF_OCSP_RESPONSE_CACHE_SERVER_ENABLED: 'true',
          SF_OCSP_RESPONSE_CACHE_SERVER_URL: `http://${CACHE_HOST}/ocsp_response_cache.json`,
          SF_OCSP_RESPONSE_CACHE_DIR: cacheDir,
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').at(-1);
        if (!line)
          reject(new Error(`the probe printed nothing (${error?.message ?? ''}): ${stderr.slice(0, 2000)}`));
        else resolve(JSON.parse(line));
      },
    );
  });
}

describe('OCSP behind a proxy that is the only route out', () => {
  it("logs in through the proxy, and fetches the driver's OCSP responses through it too", async () => {
    tunnels.length = 0;
    requests.length = 0;
    const result = await probe('fail-open');
    expect(result).toMatchObject({ ok: true });
    expect(tunnels).toContain(`${HOST}:443`);
    // With useConnectionConfigProxyForOCSP the driver fetches OCSP responses (its response cache
    // server) through the connection's proxy; without it that fetch goes direct, which in a VPC
    // whose only way out is the proxy leaves a fail-closed login nothing to decide with.
    // (snowflake-sdk 3.3: lib/agent/https_proxy_agent.js, ocsp_response_cache.js.)
    expect([...tunnels, ...requests].some((t) => t.includes(CACHE_HOST))).toBe(true);
  }, 60_000);

  it('stays fail-closed: a responder the proxy cannot reach refuses the login, permanently', async () => {
    const result = await probe('fail-closed');
    expect(result).toMatchObject({ ok: false, retryable: false });
  }, 60_000);
});
