import * as crypto from 'node:crypto';

// `crypto.hash` (Node 20.12+) digests a string in one call, about three times faster than a Hash
// object per string on the many short rows erasure and discovery hash; older Node falls back.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** Hex SHA-256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return oneShot
    ? oneShot('sha256', text, 'hex')
    : crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}
