import { createHmac } from 'node:crypto';
import { canonicalJson } from '../canonical/canonicalJson';

/** Normalised identifiers of one subject: identity kind → values. */
export type SubjectIdentifiers = Readonly<Record<string, readonly string[]>>;

/**
 * The only form in which a subject leaves the process (logs, metrics, dead-letter bodies):
 * HMAC-SHA256 under a secret key, so a list of known emails cannot be hashed to find who a request
 * was about. The input is the canonical JSON of the sorted, normalised identifiers.
 */
export function subjectHash(key: string | Buffer, identifiers: SubjectIdentifiers): string {
  const sorted: Record<string, string[]> = {};
  for (const kind of Object.keys(identifiers).sort()) {
    sorted[kind] = [...new Set(identifiers[kind])].sort();
  }
  return createHmac('sha256', key).update(canonicalJson(sorted), 'utf8').digest('hex');
}

/** Keyed hash of a single normalised identifier. */
export function identifierHash(key: string | Buffer, kind: string, value: string): string {
  return createHmac('sha256', key).update(`${kind}\u0000${value}`, 'utf8').digest('hex');
}
