import { z } from 'zod';
import { JsonNumber } from '../canonical/CanonicalValue';
import { parseExactJson } from '../canonical/parseExactJson';
import { evidenceHash, type FindingsDocument } from '../discovery/FindingsDocument';
import { IntegrityViolationError, PayloadMissingError } from './errors';
import type { PayloadStore } from './PayloadStore';
import { type StageMessage, tablesTouched } from './StageMessage';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const plainObject = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber),
);
const count = z.custom<JsonNumber>((v) => v instanceof JsonNumber && /^(0|[1-9]\d*)$/.test(v.text));

/**
 * The findings document as it crosses a queue or the bucket. Findings are checked for what the
 * pipeline relies on (system, table, key, row); other fields a finding may carry (its provenance)
 * are let through, as they are covered by the evidence hash anyway.
 */
const findingsDocumentSchema = z.looseObject({
  counts: z.record(z.string(), z.record(z.string(), count)),
  evidenceHash: hex64,
  findings: z.array(
    z.looseObject({
      system: z.string().min(1),
      table: z.string().min(1),
      key: plainObject,
      row: plainObject,
      provenance: z.array(z.unknown()).optional(),
    }),
  ),
  requestId: z.string().min(1),
  subject: z.looseObject({ hash: hex64 }),
});

export interface HandOffExpectations {
  /** The subject hash the ledger recorded for the request at intake, when the stage knows it. */
  readonly ledgerSubjectHash?: string;
}

/**
 * The one check of findings handed from one stage to the next (inline or claim-checked): the text
 * is read (a claim check verified against its checksum by the store), parsed exactly, checked
 * against the document's schema, and then must agree with itself and with the message:
 * - the evidence hash recomputed with `evidenceHash()` equals the document's and the message's;
 * - the document's request id and subject hash are the message's, and the subject hash the ledger's;
 * - every table's count equals its findings, and the tables the message names for the drift check
 *   are those the findings come from.
 *
 * Anything else throws {@link IntegrityViolationError} with its reason: the stage quarantines the
 * request and pages. A claim check that is gone stays {@link PayloadMissingError}.
 */
export async function verifyFindingsHandOff(
  message: StageMessage,
  store: PayloadStore,
  expectations: HandOffExpectations = {},
): Promise<FindingsDocument> {
  const text = await findingsText(message, store);
  let raw: unknown;
  try {
    raw = parseExactJson(text);
  } catch {
    throw new IntegrityViolationError('findings_malformed', 'the findings are not JSON (truncated?)');
  }
  const parsed = findingsDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.map(String).join('.') || '(root)'))];
    throw new IntegrityViolationError(
      'findings_malformed',
      `the findings do not match their schema (${fields.slice(0, 5).join(', ')})`,
    );
  }
  const document = parsed.data as unknown as FindingsDocument;
  if (document.requestId !== message.requestId)
    throw new IntegrityViolationError('request_id_mismatch', 'the findings belong to another request');
  if (document.subject.hash !== message.subjectHash)
    throw new IntegrityViolationError('subject_hash_mismatch', 'the findings belong to another subject');
  if (expectations.ledgerSubjectHash !== undefined && expectations.ledgerSubjectHash !== message.subjectHash)
    throw new IntegrityViolationError(
      'ledger_subject_mismatch',
      'the subject hash is not the one the ledger recorded at intake',
    );
  const recomputed = evidenceHash(document.findings);
  if (recomputed !== document.evidenceHash || recomputed !== message.evidenceHash)
    throw new IntegrityViolationError(
      'evidence_hash_mismatch',
      'the evidence hash recomputed from the findings differs from the one handed over',
    );
  const perTable = new Map<string, number>();
  for (const f of document.findings) {
    const table = `${f.system}:${f.table}`;
    perTable.set(table, (perTable.get(table) ?? 0) + 1);
  }
  const counted = new Set<string>();
  for (const [system, tables] of Object.entries(document.counts))
    for (const [table, rows] of Object.entries(tables)) {
      counted.add(`${system}:${table}`);
      if (Number((rows as unknown as JsonNumber).text) !== (perTable.get(`${system}:${table}`) ?? 0))
        throw new IntegrityViolationError(
          'findings_malformed',
          `the count of ${system}:${table} differs from its findings`,
        );
    }
  for (const table of perTable.keys())
    if (!counted.has(table))
      throw new IntegrityViolationError('findings_malformed', `findings of ${table}, which the counts omit`);
  const touched = tablesTouched(document);
  if (
    touched.length !== message.tablesTouched.length ||
    touched.some((t, i) => t !== message.tablesTouched[i])
  )
    throw new IntegrityViolationError(
      'tables_touched_mismatch',
      'the tables named for the drift check are not those the findings come from',
    );
  return document;
}

async function findingsText(message: StageMessage, store: PayloadStore): Promise<string> {
  if ('inline' in message.findings) return message.findings.inline;
  const pointer = message.findings.claimCheck;
  const stored = await store.get(pointer);
  if (stored === undefined) throw new PayloadMissingError(`claim-checked findings missing: ${pointer.key}`);
  return stored.body;
}
