import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { createTestCertificates, startTestSnowflake } from '../../support/snowflake';

const PROBE = fileURLToPath(new URL('./fixtures/ocspProbe.ts', import.meta.url));

let sf: LocalSnowflake;
let caFile: string;
let removeCertificates: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const certificates = await createTestCertificates();
  caFile = certificates.caFile;
  removeCertificates = certificates.remove;
  sf = await startTestSnowflake({ tls: { cert: certificates.cert, key: certificates.key } });
});

afterAll(async () => {
  await sf?.stop();
  await removeCertificates?.();
});

/** Runs the probe in a fresh Node process that trusts the test CA. */
function probe(
  mode: 'fail-open' | 'fail-closed',
): Promise<{ ok: boolean; code?: string; retryable?: boolean; message?: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', PROBE, sf.url, sf.account, mode],
      {
        env: {
          ...process.env,
          NODE_EXTRA_CA_CERTS: caFile,
          SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true',
          SF_OCSP_RESPONSE_CACHE_SERVER_ENABLED: 'false',
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').at(-1);
        if (!line) {
          reject(new Error(`the probe printed nothing (${error?.message ?? ''}): ${stderr.slice(0, 2000)}`));
          return;
        }
        resolve(JSON.parse(line));
      },
    );
  });
}

describe('OCSP over HTTPS with a trusted leaf that names no OCSP responder', () => {
  it('serves HTTPS', () => {
    expect(sf.url).toMatch(/^https:\/\//);
  });

  it('refuses to connect fail-closed (the default), permanently', async () => {
    const result = await probe('fail-closed');
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.message).toMatch(/AuthorityInfoAccess|OCSP|certificate/i);
  }, 60_000);

  it('connects fail-open', async () => {
    expect(await probe('fail-open')).toEqual({ ok: true, rows: [{ ONE: '1' }] });
  }, 60_000);
});
