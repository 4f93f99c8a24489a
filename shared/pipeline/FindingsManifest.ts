import { z } from 'zod';
import { notFollowedSchema, unparsedPhonesSchema } from '../discovery/NotFollowed';
import { claimCheckPrefix } from '../payload/PayloadStore';

/** Default bytes of one findings part (newline-delimited canonical findings). */
export const DEFAULT_PART_BYTES = 4 * 1024 * 1024;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const rowCount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** One part of a request's findings in the payload bucket, as its manifest lists it. */
export const findingsPartSchema = z.strictObject({
  /** `claim-check/<requestId>/<evidenceHash>/part-00001.ndjson`, numbered from 1 in order. */
  key: z.string().min(1),
  /** SHA-256 (hex) of the part's bytes. */
  sha256: hex64,
  /** Findings in the part (its lines). */
  rows: rowCount.min(1),
  bytes: rowCount.min(1),
});
export type FindingsPart = z.output<typeof findingsPartSchema>;

/**
 * What a stage hands the next for findings too large to travel in the message: the summary of the
 * findings and the ordered list of their parts. The parts, read in this order and hashed line by
 * line, give the evidence hash; each part is a few MB, so no stage holds more than one part.
 */
export const findingsManifestSchema = z.strictObject({
  kind: z.literal('dsr.findings-manifest'),
  version: z.literal(1),
  requestId: z.string().min(1),
  subject: z.strictObject({ hash: hex64 }),
  evidenceHash: hex64,
  rows: rowCount,
  counts: z.record(z.string(), z.record(z.string(), rowCount)),
  /**
   * Rows that matched but could not be read, as their canonical JSON text (a string, so the exact
   * digits of a key survive the manifest being read with `JSON.parse`). Not part of the evidence hash.
   */
  unreadable: z.string().optional(),
  /** Learned values not followed because several rows share them (counts only). Not hashed. */
  notFollowed: notFollowedSchema.optional(),
  /** Found phone values that could not be parsed, compared as digits (counts only). Not hashed. */
  unparsedPhones: unparsedPhonesSchema.optional(),
  parts: z.array(findingsPartSchema),
});
export type FindingsManifest = z.output<typeof findingsManifestSchema>;

/** Prefix of a request's parts and manifest: the same findings give the same keys. */
export function findingsPartsPrefix(requestId: string, evidenceHash: string): string {
  return `${claimCheckPrefix(requestId)}${evidenceHash}/`;
}

/** Key of part `index` (1-based) of a request's findings. */
export function findingsPartKey(requestId: string, evidenceHash: string, index: number): string {
  return `${findingsPartsPrefix(requestId, evidenceHash)}part-${String(index).padStart(5, '0')}.ndjson`;
}

/** Key of the manifest of a request's findings. */
export function findingsManifestKey(requestId: string, evidenceHash: string): string {
  return `${findingsPartsPrefix(requestId, evidenceHash)}manifest.json`;
}
