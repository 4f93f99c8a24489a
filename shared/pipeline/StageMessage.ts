import { z } from 'zod';
import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import type { FindingsDocument } from '../discovery/FindingsDocument';
import type { FindingsSource, FindingsSummary } from '../discovery/FindingsStream';
import { REQUEST_TYPES } from '../intake/IntakeRequest';
import { ledgerEntrySchema } from '../ledger/Ledger';
import type { PayloadStore } from '../payload/PayloadStore';
import { MalformedStageMessageError } from './errors';
import { DEFAULT_PART_BYTES } from './FindingsManifest';
import { writeFindingsParts } from './writeFindingsParts';

/** Findings larger than this travel through the payload bucket as parts, not in the message. */
export const DEFAULT_CLAIM_CHECK_BYTES = 200 * 1024;

const pointer = z.strictObject({ bucket: z.string().min(1), key: z.string().min(1) });
const manifestPointer = z.strictObject({
  bucket: z.string().min(1),
  key: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** What one stage hands the next: the request without its identifiers, and the findings. */
export const stageMessageSchema = z.strictObject({
  kind: z.literal('dsr.stage'),
  version: z.literal(1),
  requestId: z.string().min(1),
  type: z.enum(REQUEST_TYPES),
  jurisdiction: z.string(),
  deadline: z.string(),
  subjectHash: z.string().regex(/^[0-9a-f]{64}$/),
  traceId: z.string().min(1),
  /** Tables the discovery searched, `system:table`. */
  tablesTouched: z.array(z.string()),
  evidenceHash: z.string(),
  /**
   * The findings as their canonical JSON text (a string, so exact numbers never pass through a
   * JavaScript number on the way); or, above the claim-check threshold, a pointer to their manifest
   * in the payload bucket with the manifest's SHA-256 (the manifest lists the parts, each a few MB
   * of newline-delimited canonical findings, with their hashes: see `FindingsManifest`). A
   * `claimCheck` (the whole document as one object) is what earlier versions wrote; it is still
   * read, never written.
   */
  findings: z.union([
    z.strictObject({ inline: z.string() }),
    z.strictObject({ parts: manifestPointer }),
    z.strictObject({ claimCheck: pointer }),
  ]),
  /**
   * Ledger entries of the stages before, which do not write the ledger themselves (the extractors
   * have no Snowflake access); the next stage that does appends them first, idempotently.
   */
  carriedLedger: z.array(ledgerEntrySchema).optional(),
  /**
   * For an erasure request: where the extractor put the erasure case (plan, problems and the
   * subject's identifiers, in the encrypted bucket; see `ErasureCase`), with its SHA-256, the plan's
   * hash and counts. Never the identifiers themselves.
   */
  erasure: z
    .strictObject({
      case: manifestPointer,
      planHash: z.string().regex(/^[0-9a-f]{64}$/),
      rowsToChange: z.number().int().min(0),
      problems: z.number().int().min(0),
    })
    .optional(),
});

export type StageMessage = z.output<typeof stageMessageSchema>;
export type StageMessageHeader = Omit<StageMessage, 'kind' | 'version' | 'findings' | 'evidenceHash'>;

export interface StageMessageOptions {
  /** Findings whose canonical text is larger travel as parts. @default 200 KiB */
  readonly thresholdBytes?: number;
  /** Bytes of one part at most. @default 4 MiB */
  readonly partBytes?: number;
}

/**
 * Builds the message for the next stage. Findings whose canonical text fits `thresholdBytes` travel
 * inline (the document's canonical JSON, as `serializeFindingsDocument` writes it); larger ones are
 * written to the payload bucket as parts with a manifest ({@link writeFindingsParts}) and the
 * message carries the manifest's pointer and SHA-256. The source's lines are read once to tell
 * which (holding at most `thresholdBytes` of them), and once more to write the parts.
 */
export async function buildStageMessage(
  header: StageMessageHeader,
  source: FindingsSource,
  store: PayloadStore,
  options: StageMessageOptions = {},
): Promise<StageMessage> {
  const threshold = options.thresholdBytes ?? DEFAULT_CLAIM_CHECK_BYTES;
  const base = {
    kind: 'dsr.stage' as const,
    version: 1 as const,
    ...header,
    evidenceHash: source.summary.evidenceHash,
  };
  const lines: string[] = [];
  let bytes = 0;
  let fits = true;
  for await (const line of source.lines()) {
    bytes += Buffer.byteLength(line, 'utf8') + 1;
    if (bytes > threshold) {
      fits = false;
      break;
    }
    lines.push(line);
  }
  if (fits) {
    const inline = documentText(source.summary, lines);
    if (Buffer.byteLength(inline, 'utf8') <= threshold) return { ...base, findings: { inline } };
  }
  lines.length = 0;
  const parts = await writeFindingsParts(source, store, options.partBytes ?? DEFAULT_PART_BYTES);
  return { ...base, findings: { parts } };
}

/**
 * The canonical JSON of the findings document made of `summary` and the findings' canonical
 * `lines`: byte for byte `serializeFindingsDocument` of that document (keys in sorted order:
 * counts, evidenceHash, findings, notFollowed, requestId, subject, unreadable).
 */
export function documentText(summary: FindingsSummary, lines: readonly string[]): string {
  const rest: Record<string, CanonicalValue> = {
    counts: summary.counts as unknown as CanonicalValue,
    evidenceHash: summary.evidenceHash,
    requestId: summary.requestId,
    subject: { hash: summary.subject.hash },
    ...(summary.unreadable && summary.unreadable.length > 0
      ? { unreadable: summary.unreadable as unknown as CanonicalValue }
      : {}),
    ...(summary.notFollowed?.length ? { notFollowed: summary.notFollowed as unknown as CanonicalValue } : {}),
    ...(summary.unparsedPhones?.length
      ? { unparsedPhones: summary.unparsedPhones as unknown as CanonicalValue }
      : {}),
  };
  const text = canonicalJson(rest);
  // The findings go after the evidence hash (hex, no comma), before the next key.
  const at = text.indexOf(',"', text.indexOf('"evidenceHash":') + 1);
  return `${text.slice(0, at)},"findings":[${lines.join(',')}]${text.slice(at)}`;
}

/**
 * Parses a stage message body; refuses anything else with {@link MalformedStageMessageError}. The
 * findings it carries are checked by `verifyFindingsHandOff` before any stage trusts them.
 */
export function parseStageMessage(body: string): StageMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new MalformedStageMessageError('the stage message is not JSON');
  }
  const parsed = stageMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.map(String).join('.') || '(root)'))];
    throw new MalformedStageMessageError(`invalid stage message fields: ${fields.join(', ')}`);
  }
  return parsed.data;
}

/**
 * `system:table` for every table the request's findings come from, sorted. Tables searched without
 * a match contribute nothing to the evidence, so their drift cannot corrupt it.
 */
export function tablesTouched(document: Pick<FindingsDocument, 'counts'>): string[] {
  return Object.entries(document.counts)
    .flatMap(([system, tables]) =>
      Object.entries(tables)
        .filter(([, rows]) => rows > 0)
        .map(([t]) => `${system}:${t}`),
    )
    .sort();
}
