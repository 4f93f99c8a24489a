import { createRequire } from 'node:module';

type CipherFactory = (algorithm: string, key: Buffer, iv: Buffer | null, options?: unknown) => unknown;

let enabled = false;

/**
 * s3rver 3 seals the `NextContinuationToken` of a truncated ListObjectsV2 page with single DES
 * (`createCipheriv('des', …)`), which OpenSSL 3 keeps in its legacy provider: under Node 17+ every
 * listing longer than one page fails with a 500. Three-key DES with the same key three times
 * (`des-ede3-cbc`, in the default provider) is the same cipher as DES-CBC, byte for byte
 * (encrypt-decrypt-encrypt under one key is one encryption), so s3rver's calls are answered with
 * it: tokens are exactly what s3rver would have made. Only the algorithm name `des` is touched, and
 * only in the process that runs the local S3; deployed code lists real S3 and never loads this.
 */
export function enableS3rverContinuationTokens(): void {
  if (enabled) return;
  enabled = true;
  // The CommonJS object s3rver reads at call time (`require('crypto').createCipheriv`).
  const crypto = createRequire(import.meta.url)('node:crypto') as Record<string, CipherFactory>;
  for (const name of ['createCipheriv', 'createDecipheriv'] as const) {
    const original = crypto[name] as CipherFactory;
    crypto[name] = (algorithm, key, iv, options) => {
      if (algorithm !== 'des' || key.length !== 8) return original(algorithm, key, iv, options);
      try {
        return original(algorithm, key, iv, options);
      } catch (error) {
        if ((error as { code?: string }).code !== 'ERR_OSSL_EVP_UNSUPPORTED') throw error;
        return original('des-ede3-cbc', Buffer.concat([key, key, key]), iv, options);
      }
    };
  }
}
