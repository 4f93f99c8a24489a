import { createHash, createPublicKey, verify } from 'node:crypto';

/**
 * Checks a key-pair authentication token as Snowflake does: an RS256 JWT signed with the user's
 * private key, whose `iss` is `ACCOUNT.USER.SHA256:<fingerprint of the public key>` and `sub` is
 * `ACCOUNT.USER`, not expired.
 */
export function verifyJwt(
  token: string,
  publicKeyPem: string,
  account: string,
  user: string,
  now = Date.now(),
): boolean {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return false;
  try {
    const key = createPublicKey(publicKeyPem);
    const valid = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      key,
      Buffer.from(signature, 'base64url'),
    );
    if (!valid) return false;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      iss?: string;
      sub?: string;
      exp?: number;
    };
    const prefix = `${account}.${user}`.toUpperCase();
    if (claims.sub?.toUpperCase() !== prefix) return false;
    const fingerprint = `SHA256:${createHash('sha256')
      .update(key.export({ type: 'spki', format: 'der' }))
      .digest('base64')}`;
    if (
      claims.iss !== undefined &&
      (!claims.iss.toUpperCase().startsWith(`${prefix}.`) || !claims.iss.endsWith(fingerprint))
    ) {
      return false;
    }
    return claims.exp === undefined || claims.exp * 1000 > now;
  } catch {
    return false;
  }
}
