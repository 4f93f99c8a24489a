import { z } from 'zod';
import { type CanonicalValue, JsonNumber } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import { parseExactJson } from '../canonical/parseExactJson';
import { sha256Hex } from '../canonical/sha256';
import { EvidenceHasher } from '../discovery/EvidenceHasher';
import {
  evidenceHash,
  type Finding,
  type FindingsDocument,
  type Unreadable,
} from '../discovery/FindingsDocument';
import {
  type NotFollowed,
  notFollowedSchema,
  type UnparsedPhones,
  unparsedPhonesSchema,
} from '../discovery/NotFollowed';
import { IntegrityViolationError } from '../errors/IntegrityViolationError';
import type { PayloadStore } from '../payload/PayloadStore';
import { PayloadMissingError } from './errors';
import { type FindingsManifest, findingsManifestSchema, findingsPartKey } from './FindingsManifest';
import { type StageMessage, tablesTouched } from './StageMessage';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const plainObject = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber),
);
const count = z.custom<JsonNumber>((v) => v instanceof JsonNumber && /^(0|[1-9]\d*)$/.test(v.text));

/**
 * One finding as it crosses a queue or the bucket: checked for what the pipeline relies on (system,
 * table, key, row); other fields a finding may carry (its provenance) are let through, as they are
 * covered by the evidence hash anyway.
 */
const findingSchema = z.looseObject({
  system: z.string().min(1),
  table: z.string().min(1),
  key: plainObject,
  row: plainObject,
  provenance: z.array(z.unknown()).optional(),
});

/** The findings document as it crosses a queue or the bucket whole (inline or a claim check). */
const findingsDocumentSchema = z.looseObject({
  counts: z.record(z.string(), z.record(z.string(), count)),
  evidenceHash: hex64,
  findings: z.array(findingSchema),
  notFollowed: notFollowedSchema.optional(),
  unparsedPhones: unparsedPhonesSchema.optional(),
  requestId: z.string().min(1),
  subject: z.looseObject({ hash: hex64 }),
});

export interface HandOffExpectations {
  /** The subject hash the ledger recorded for the request at intake, when the stage knows it. */
  readonly ledgerSubjectHash?: string;
  /**
   * For parts: parse every line exactly and check it against the finding's schema (the load, before
   * anything lands), or check hashes and counts only (the gate, within its timeout: each line's
   * system and table are read from its end, where canonical order puts them). @default true
   */
  readonly parseLines?: boolean;
}

/** What `VerifiedFindings.readPart` parses of a part. */
export interface ReadPartOptions {
  /** @default true */
  readonly parse?: boolean;
  /** Parse and give only the findings of the tables this accepts. @default every table */
  readonly only?: (table: { readonly system: string; readonly table: string }) => boolean;
}

/** One part of verified findings, read back and checked against the hash its manifest gives. */
export interface FindingsPartContent {
  /** The findings' canonical JSON, one per line, as they were written. */
  readonly lines: readonly string[];
  /** The same findings parsed exactly (numbers as `JsonNumber`). */
  readonly findings: readonly Finding[];
}

/**
 * Findings whose hand-off checked out, readable part by part: inline or claim-checked findings are
 * one part; findings that travelled as parts are read one part at a time, each checked again
 * against its SHA-256 when it is read, so no more than one part is held.
 */
export interface VerifiedFindings {
  readonly requestId: string;
  readonly evidenceHash: string;
  readonly rows: number;
  /** system → table → rows, every searched table (also with 0), as the hand-off counted them. */
  readonly counts: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Rows that matched but could not be read, when the hand-off names any. */
  readonly unreadable?: readonly Unreadable[];
  /**
   * What was verified: the manifest's SHA-256, or the SHA-256 of the inline or claim-checked text.
   * A load checkpoint is valid only for the hand-off it was made for.
   */
  readonly handOff: string;
  /** Each part's SHA-256 and rows, in order. */
  readonly parts: readonly { readonly sha256: string; readonly rows: number }[];
  /**
   * Part `index` (0-based); throws {@link IntegrityViolationError} if it is not what the manifest
   * lists. With `parse: false` the findings are not parsed (`findings` is empty); with `only`, just
   * the findings of the tables it accepts are parsed and given (each line's table is read from its
   * end, where canonical order puts it, and a line that does not end as a finding's is refused).
   */
  readPart(index: number, options?: ReadPartOptions): Promise<FindingsPartContent>;
  /** The whole document, for findings that travelled whole (inline or a claim check). */
  readonly document?: FindingsDocument;
  /** Learned values discovery did not follow because several rows share them (counts only). */
  readonly notFollowed?: readonly NotFollowed[];
  /** Found phone values that could not be parsed, so were compared as digits (counts only). */
  readonly unparsedPhones?: readonly UnparsedPhones[];
}

/**
 * The one check of findings handed from one stage to the next; the text is parsed exactly, checked
 * against its schema, and must agree with itself and with the message:
 * - the evidence hash recomputed from the findings (`evidenceHash()`, or line by line with
 *   {@link EvidenceHasher} over the parts in the manifest's order) equals the document's or the
 *   manifest's, and the message's;
 * - the request id and subject hash are the message's, and the subject hash the ledger's;
 * - every table's count equals its findings, and the tables the message names for the drift check
 *   are those the findings come from;
 * - for parts: the manifest's SHA-256 is the one the message carries, each part's the one the
 *   manifest lists (and S3's checksum, checked by the store), each part is the request's (its
 *   object metadata, its key, numbered in order) and holds the rows and bytes the manifest says.
 *
 * Parts are read one at a time (memory bounded by one part). Anything else throws
 * {@link IntegrityViolationError} with its reason: the stage quarantines the request and pages. A
 * claim check, manifest or part that is gone is {@link PayloadMissingError}.
 */
export async function verifyFindingsHandOff(
  message: StageMessage,
  store: PayloadStore,
  expectations: HandOffExpectations = {},
): Promise<VerifiedFindings> {
  if (!('parts' in message.findings)) return verifyDocument(message, store, expectations);
  const verified = await openFindingsParts(message, store, expectations);
  const hasher = new EvidenceHasher();
  const perTable = new Map<string, number>();
  const parse = expectations.parseLines ?? true;
  for (let i = 0; i < verified.parts.length; i++) {
    const part = await verified.readPart(i, { parse });
    for (const line of part.lines) hasher.add(line);
    const tables = parse
      ? part.findings.map((f) => `${f.system}:${f.table}`)
      : part.lines.map((line, n) => {
          const { system, table } = systemAndTableOfLine(line, `part ${i + 1} line ${n + 1}`);
          return `${system}:${table}`;
        });
    for (const table of tables) perTable.set(table, (perTable.get(table) ?? 0) + 1);
  }
  if (hasher.finish() !== verified.evidenceHash)
    throw new IntegrityViolationError(
      'evidence_hash_mismatch',
      'the evidence hash recomputed from the parts differs from the one handed over',
    );
  checkCounts(verified.manifest.counts, perTable);
  return verified;
}

/**
 * Opens findings that travelled as parts and checks their manifest (its SHA-256 against the
 * message's, its request, subject, evidence hash, counts and the tables touched against the
 * message, its parts' keys and rows), without reading the parts: what a stage does when the ledger
 * shows this very hand-off (the same manifest SHA-256) verified whole before. Each part is still
 * checked against its SHA-256 as it is read.
 */
export async function openFindingsParts(
  message: StageMessage,
  store: PayloadStore,
  expectations: HandOffExpectations = {},
): Promise<VerifiedFindings & { readonly manifest: FindingsManifest }> {
  if (!('parts' in message.findings)) throw new Error('openFindingsParts: the findings are not in parts');
  const pointer = message.findings.parts;
  const stored = await store.get(pointer);
  if (stored === undefined) throw new PayloadMissingError(`findings manifest missing: ${pointer.key}`);
  if (sha256Hex(stored.body) !== pointer.sha256)
    throw new IntegrityViolationError(
      'payload_checksum_mismatch',
      'the findings manifest is not the one the message names',
    );
  let raw: unknown;
  try {
    raw = JSON.parse(stored.body);
  } catch {
    throw new IntegrityViolationError('findings_malformed', 'the findings manifest is not JSON');
  }
  const parsed = findingsManifestSchema.safeParse(raw);
  if (!parsed.success) throw malformed('the findings manifest does not match its schema', parsed.error);
  const manifest = parsed.data;
  checkIdentity(message, manifest.requestId, manifest.subject.hash, expectations);
  if (manifest.evidenceHash !== message.evidenceHash)
    throw new IntegrityViolationError(
      'evidence_hash_mismatch',
      'the manifest names another evidence hash than the message',
    );
  manifest.parts.forEach((part, i) => {
    if (part.key !== findingsPartKey(manifest.requestId, manifest.evidenceHash, i + 1))
      throw new IntegrityViolationError(
        'findings_malformed',
        `part ${i + 1} of the manifest is not the request's part ${i + 1} (reordered or foreign)`,
      );
  });
  let total = 0;
  for (const tables of Object.values(manifest.counts))
    for (const rows of Object.values(tables)) total += rows;
  const listed = manifest.parts.reduce((sum, p) => sum + p.rows, 0);
  if (total !== manifest.rows || listed !== manifest.rows)
    throw new IntegrityViolationError(
      'findings_malformed',
      'the manifest counts, its rows and its parts do not agree',
    );
  checkTablesTouched(message, manifest);

  const readPart = async (index: number, options: ReadPartOptions = {}): Promise<FindingsPartContent> => {
    const part = manifest.parts[index];
    if (part === undefined) throw new Error(`part ${index + 1} is not in the manifest`);
    const got = await store.get({ bucket: pointer.bucket, key: part.key });
    if (got === undefined) throw new PayloadMissingError(`findings part missing: ${part.key}`);
    if (got.metadata['request-id'] !== undefined && got.metadata['request-id'] !== manifest.requestId)
      throw new IntegrityViolationError(
        'request_id_mismatch',
        `part ${index + 1} belongs to another request`,
      );
    if (sha256Hex(got.body) !== part.sha256 || Buffer.byteLength(got.body, 'utf8') !== part.bytes)
      throw new IntegrityViolationError(
        'payload_checksum_mismatch',
        `part ${index + 1} is not the one the manifest lists`,
      );
    if (!got.body.endsWith('\n'))
      throw new IntegrityViolationError('findings_malformed', `part ${index + 1} does not end a line`);
    const lines = got.body.slice(0, -1).split('\n');
    if (lines.length !== part.rows)
      throw new IntegrityViolationError(
        'findings_malformed',
        `part ${index + 1} holds ${lines.length} findings, its manifest says ${part.rows}`,
      );
    if (options.parse === false) return { lines, findings: [] };
    const only = options.only;
    const findings: Finding[] = [];
    lines.forEach((line, n) => {
      const where = `part ${index + 1} line ${n + 1}`;
      if (!only || only(systemAndTableOfLine(line, where))) findings.push(parseFinding(line, where));
    });
    return { lines, findings };
  };
  return {
    requestId: manifest.requestId,
    evidenceHash: manifest.evidenceHash,
    rows: manifest.rows,
    counts: manifest.counts,
    ...(manifest.unreadable ? { unreadable: unreadableOf(manifest.unreadable) } : {}),
    handOff: pointer.sha256,
    parts: manifest.parts.map((p) => ({ sha256: p.sha256, rows: p.rows })),
    readPart,
    manifest,
    ...(manifest.notFollowed?.length ? { notFollowed: manifest.notFollowed as NotFollowed[] } : {}),
    ...(manifest.unparsedPhones?.length ? { unparsedPhones: manifest.unparsedPhones } : {}),
  };
}

/**
 * The system and table of a finding's canonical line without parsing the rest: canonical JSON sorts a
 * finding's keys (key, provenance, row, system, table), so each line ends with
 * `,"system":"…","table":"…"}`; a `,"system":` inside a string value would have its quotes escaped,
 * so the last one is the key's. A line that does not end so is malformed.
 */
function systemAndTableOfLine(line: string, where: string): { system: string; table: string } {
  const at = line.lastIndexOf(',"system":');
  let tail: unknown;
  try {
    tail = at < 0 ? undefined : JSON.parse(`{${line.slice(at + 1)}`);
  } catch {
    tail = undefined;
  }
  const t = tail as { system?: unknown; table?: unknown } | undefined;
  if (
    typeof t?.system !== 'string' ||
    typeof t.table !== 'string' ||
    t.system === '' ||
    t.table === '' ||
    Object.keys(t).length !== 2
  )
    throw new IntegrityViolationError('findings_malformed', `${where} is not a finding`);
  return { system: t.system, table: t.table };
}

function parseFinding(line: string, where: string): Finding {
  let raw: unknown;
  try {
    raw = parseExactJson(line);
  } catch {
    throw new IntegrityViolationError('findings_malformed', `${where} is not JSON`);
  }
  const parsed = findingSchema.safeParse(raw);
  if (!parsed.success) throw malformed(`${where} is not a finding`, parsed.error);
  return parsed.data as unknown as Finding;
}

/** Inline or claim-checked findings: one document, checked whole. */
async function verifyDocument(
  message: StageMessage,
  store: PayloadStore,
  expectations: HandOffExpectations,
): Promise<VerifiedFindings> {
  const text = await findingsText(message, store);
  let raw: unknown;
  try {
    raw = parseExactJson(text);
  } catch {
    throw new IntegrityViolationError('findings_malformed', 'the findings are not JSON (truncated?)');
  }
  const parsed = findingsDocumentSchema.safeParse(raw);
  if (!parsed.success) throw malformed('the findings do not match their schema', parsed.error);
  const document = parsed.data as unknown as FindingsDocument;
  checkIdentity(message, document.requestId, document.subject.hash, expectations);
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
  const counts = Object.fromEntries(
    Object.entries(document.counts).map(([system, tables]) => [
      system,
      Object.fromEntries(
        Object.entries(tables).map(([t, n]) => [t, Number((n as unknown as JsonNumber).text)]),
      ),
    ]),
  );
  checkCounts(counts, perTable);
  checkTablesTouched(message, { counts });
  return documentFindings({ ...document, counts }, sha256Hex(text));
}

/** The unreadable rows a manifest carries as canonical JSON text; none when it does not parse. */
function unreadableOf(text: string): Unreadable[] | undefined {
  try {
    const parsed = parseExactJson(text) as unknown;
    return Array.isArray(parsed) ? (parsed as unknown as Unreadable[]) : undefined;
  } catch {
    return undefined;
  }
}

/** A verified document as verified findings of one part. */
export function documentFindings(document: FindingsDocument, handOff: string): VerifiedFindings {
  return {
    requestId: document.requestId,
    evidenceHash: document.evidenceHash,
    rows: document.findings.length,
    counts: document.counts,
    ...(document.unreadable ? { unreadable: document.unreadable } : {}),
    handOff,
    parts: [{ sha256: handOff, rows: document.findings.length }],
    readPart: async (index, options = {}) => {
      if (index !== 0) throw new Error(`part ${index + 1} is not in the hand-off`);
      const lines = document.findings.map((f) => canonicalJson(f as unknown as CanonicalValue));
      const only = options.only;
      return { lines, findings: only ? document.findings.filter((f) => only(f)) : document.findings };
    },
    document,
    ...(document.notFollowed?.length ? { notFollowed: document.notFollowed } : {}),
    ...(document.unparsedPhones?.length ? { unparsedPhones: document.unparsedPhones } : {}),
  };
}

function checkIdentity(
  message: StageMessage,
  requestId: string,
  subjectHash: string,
  expectations: HandOffExpectations,
): void {
  if (requestId !== message.requestId)
    throw new IntegrityViolationError('request_id_mismatch', 'the findings belong to another request');
  if (subjectHash !== message.subjectHash)
    throw new IntegrityViolationError('subject_hash_mismatch', 'the findings belong to another subject');
  if (expectations.ledgerSubjectHash !== undefined && expectations.ledgerSubjectHash !== message.subjectHash)
    throw new IntegrityViolationError(
      'ledger_subject_mismatch',
      'the subject hash is not the one the ledger recorded at intake',
    );
}

function checkCounts(
  counts: Readonly<Record<string, Readonly<Record<string, number>>>>,
  perTable: ReadonlyMap<string, number>,
): void {
  const counted = new Set<string>();
  for (const [system, tables] of Object.entries(counts))
    for (const [table, rows] of Object.entries(tables)) {
      counted.add(`${system}:${table}`);
      if (rows !== (perTable.get(`${system}:${table}`) ?? 0))
        throw new IntegrityViolationError(
          'findings_malformed',
          `the count of ${system}:${table} differs from its findings`,
        );
    }
  for (const table of perTable.keys())
    if (!counted.has(table))
      throw new IntegrityViolationError('findings_malformed', `findings of ${table}, which the counts omit`);
}

function checkTablesTouched(
  message: StageMessage,
  summary: { readonly counts: Readonly<Record<string, Readonly<Record<string, number>>>> },
): void {
  const touched = tablesTouched(summary);
  if (
    touched.length !== message.tablesTouched.length ||
    touched.some((t, i) => t !== message.tablesTouched[i])
  )
    throw new IntegrityViolationError(
      'tables_touched_mismatch',
      'the tables named for the drift check are not those the findings come from',
    );
}

function malformed(what: string, error: z.ZodError): IntegrityViolationError {
  const fields = [...new Set(error.issues.map((i) => i.path.map(String).join('.') || '(root)'))];
  return new IntegrityViolationError('findings_malformed', `${what} (${fields.slice(0, 5).join(', ')})`);
}

async function findingsText(message: StageMessage, store: PayloadStore): Promise<string> {
  if ('inline' in message.findings) return message.findings.inline;
  if (!('claimCheck' in message.findings)) throw new Error('findingsText: the findings are in parts');
  const pointer = message.findings.claimCheck;
  const stored = await store.get(pointer);
  if (stored === undefined) throw new PayloadMissingError(`claim-checked findings missing: ${pointer.key}`);
  return stored.body;
}
