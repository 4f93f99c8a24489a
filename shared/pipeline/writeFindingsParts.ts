import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { sha256Hex } from '../canonical/sha256';
import type { FindingsSource } from '../discovery/FindingsStream';
import { InvalidArgumentError } from '../errors/errors';
import type { PayloadPointer, PayloadStore } from '../payload/PayloadStore';
import {
  DEFAULT_PART_BYTES,
  type FindingsManifest,
  type FindingsPart,
  findingsManifestKey,
  findingsPartKey,
} from './FindingsManifest';

/** Where a request's findings manifest lives, and the SHA-256 of its bytes. */
export interface ManifestPointer extends PayloadPointer {
  readonly sha256: string;
}

/**
 * Writes a request's findings to the payload bucket as parts of newline-delimited canonical
 * findings (each line one finding, in canonical order; a part holds whole lines and at most
 * `partBytes` bytes unless one line alone is larger), then the manifest listing them in order with
 * each part's SHA-256, rows and bytes. The lines are read from the source once; only one part is
 * held at a time. Keys are `claim-check/<requestId>/<evidenceHash>/part-00001.ndjson` … and
 * `manifest.json`: the same findings give the same keys, so a redelivery overwrites rather than
 * piles up. Each object's metadata names the request, the subject hash and the evidence hash.
 */
export async function writeFindingsParts(
  source: FindingsSource,
  store: PayloadStore,
  partBytes: number = DEFAULT_PART_BYTES,
): Promise<ManifestPointer> {
  if (!Number.isInteger(partBytes) || partBytes < 1 || partBytes > 64 * 1024 * 1024)
    throw new InvalidArgumentError(`partBytes must be between 1 and 67108864 inclusive (given ${partBytes})`);
  const { summary } = source;
  const metadata = {
    'request-id': summary.requestId,
    'subject-hash': summary.subject.hash,
    'evidence-hash': summary.evidenceHash,
  };
  const parts: FindingsPart[] = [];
  let lines: string[] = [];
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (lines.length === 0) return;
    const body = `${lines.join('\n')}\n`;
    const key = findingsPartKey(summary.requestId, summary.evidenceHash, parts.length + 1);
    await store.put(key, body, metadata);
    parts.push({ key, sha256: sha256Hex(body), rows: lines.length, bytes: Buffer.byteLength(body, 'utf8') });
    lines = [];
    bytes = 0;
  };
  for await (const line of source.lines()) {
    const size = Buffer.byteLength(line, 'utf8') + 1;
    if (lines.length > 0 && bytes + size > partBytes) await flush();
    lines.push(line);
    bytes += size;
  }
  await flush();
  const manifest: FindingsManifest = {
    kind: 'dsr.findings-manifest',
    version: 1,
    requestId: summary.requestId,
    subject: { hash: summary.subject.hash },
    evidenceHash: summary.evidenceHash,
    rows: summary.rows,
    counts: Object.fromEntries(Object.entries(summary.counts).map(([s, t]) => [s, { ...t }])),
    ...(summary.unreadable && summary.unreadable.length > 0
      ? { unreadable: canonicalJson(summary.unreadable as unknown as CanonicalValue) }
      : {}),
    ...(summary.notFollowed?.length ? { notFollowed: [...summary.notFollowed] } : {}),
    ...(summary.unparsedPhones?.length ? { unparsedPhones: [...summary.unparsedPhones] } : {}),
    parts,
  };
  const body = canonicalJson(manifest as unknown as CanonicalValue);
  const pointer = await store.put(
    findingsManifestKey(summary.requestId, summary.evidenceHash),
    body,
    metadata,
  );
  return { ...pointer, sha256: sha256Hex(body) };
}
