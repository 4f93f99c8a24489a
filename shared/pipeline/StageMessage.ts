import { z } from 'zod';
import type { FindingsDocument } from '../discovery/FindingsDocument';
import { serializeFindingsDocument } from '../discovery/FindingsDocument';
import { REQUEST_TYPES } from '../intake/IntakeRequest';
import { MalformedStageMessageError } from './errors';
import { ledgerEntrySchema } from './Ledger';
import type { PayloadStore } from './PayloadStore';

/** Findings larger than this travel through the payload bucket, not in the message. */
export const DEFAULT_CLAIM_CHECK_BYTES = 200 * 1024;

const pointer = z.strictObject({ bucket: z.string().min(1), key: z.string().min(1) });

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
   * JavaScript number on the way), or a pointer to that text in the payload bucket.
   */
  findings: z.union([z.strictObject({ inline: z.string() }), z.strictObject({ claimCheck: pointer })]),
  /**
   * Ledger entries of the stages before, which do not write the ledger themselves (the extractors
   * have no Snowflake access); the next stage that does appends them first, idempotently.
   */
  carriedLedger: z.array(ledgerEntrySchema).optional(),
});

export type StageMessage = z.output<typeof stageMessageSchema>;
export type StageMessageHeader = Omit<StageMessage, 'kind' | 'version' | 'findings' | 'evidenceHash'>;

/**
 * Builds the message for the next stage. Serialized findings above `thresholdBytes` are put in the
 * payload bucket under `claim-check/<requestId>/<evidenceHash>.json` (the same findings give the
 * same key, so a redelivery overwrites rather than piles up) and the message carries the pointer.
 */
export async function buildStageMessage(
  header: StageMessageHeader,
  document: FindingsDocument,
  store: PayloadStore,
  thresholdBytes: number = DEFAULT_CLAIM_CHECK_BYTES,
): Promise<StageMessage> {
  const serialized = serializeFindingsDocument(document);
  const base = {
    kind: 'dsr.stage' as const,
    version: 1 as const,
    ...header,
    evidenceHash: document.evidenceHash,
  };
  if (Buffer.byteLength(serialized, 'utf8') <= thresholdBytes) {
    return { ...base, findings: { inline: serialized } };
  }
  const claimCheck = await store.put(
    `claim-check/${header.requestId}/${document.evidenceHash}.json`,
    serialized,
    {
      'request-id': header.requestId,
      'subject-hash': header.subjectHash,
      'evidence-hash': document.evidenceHash,
    },
  );
  return { ...base, findings: { claimCheck } };
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
export function tablesTouched(document: FindingsDocument): string[] {
  return Object.entries(document.counts)
    .flatMap(([system, tables]) =>
      Object.entries(tables)
        .filter(([, rows]) => rows > 0)
        .map(([t]) => `${system}:${t}`),
    )
    .sort();
}
