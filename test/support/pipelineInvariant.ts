import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { FileAnchorStore } from '../../shared/audit/FileAnchorStore';
import { verifyLedger } from '../../shared/audit/verifyLedger';
import type { CanonicalValue } from '../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../shared/canonical/canonicalJson';
import { parseExactJson } from '../../shared/canonical/parseExactJson';
import { sha256Hex } from '../../shared/canonical/sha256';
import { readLedgerSince } from '../../shared/load/readLedger';
import { type DeadLetterEnvelope, readDeadLetterEnvelope } from '../../shared/pipeline/DeadLetterEnvelope';
import { openTestSnowflakeDatabase } from '../integration/snowflake/helpers';
import {
  EVIDENCE,
  type LocalPipelineFixture,
  PIPELINE_APPLICATION_NAME,
  type SubmittedRequest,
  type TerminalState,
} from './localPipelineFixture';

/** What the invariant found; `violations` is empty when it holds. */
export interface InvariantReport {
  readonly violations: string[];
  /** Each submitted request's terminal state(s), as observed. */
  readonly states: ReadonlyMap<string, readonly TerminalState[]>;
  readonly counts: Readonly<Record<TerminalState | 'none', number>>;
  /** Requests whose state differs from the fault-free run's (not a violation by itself). */
  readonly unexpected: readonly { requestId: string; expected: TerminalState; actual: string }[];
  /** Dead-letter envelopes, by the stage that wrote them and their code. */
  readonly deadLetters: readonly { requestId?: string; stage: string; code: string }[];
  /** Sessions of the pipeline on the file's database that are running or inside a transaction. */
  readonly clientsCheckedOut: number;
  readonly piiHits: readonly string[];
  readonly duplicateRows: number;
  /** What `dsr verify` finds over every request's chain (and the anchors taken so far). */
  readonly ledgerBreaks: number;
  readonly ledgerEntries: number;
}

interface FindingRow {
  requestId: string;
  system: string;
  table: string;
  rowKey: string;
  row: string | null;
  rowHash: string;
  evidenceHash: string;
}

/**
 * The one check every scenario ends with:
 *
 * - every submitted request is in exactly one terminal state: `loaded` (ledger says so and its
 *   rows in DSR_FINDINGS equal, row for row and by evidence hash, what a fault-free discovery
 *   finds), `dead_lettered` (an envelope with a reason in a dead-letter queue, no rows) or
 *   `quarantined` (an object under `quarantine/`, ledger says so, no rows);
 * - DSR_FINDINGS holds no duplicate (request, system, table, row key) and no row of a request that
 *   was not loaded;
 * - no PostgreSQL session of the pipeline is left running a statement or inside a transaction;
 * - no seeded personal value appears in a captured log or metric line or in a dead-letter body.
 *
 * Reads the warehouse through the endpoint's engine directly, so injected faults cannot hide rows.
 */
/**
 * `requests` narrows the per-request checks (a scenario's own requests); the table-wide checks
 * (duplicates, rows of unknown requests, sessions, personal data) always cover everything.
 */
export async function checkPipelineInvariant(
  fixture: LocalPipelineFixture,
  requests: readonly SubmittedRequest[] = fixture.submitted,
): Promise<InvariantReport> {
  const violations: string[] = [];
  const findings = await readFindings(fixture);
  const ledger = await readLedgerStates(fixture);
  const quarantined = await quarantinedRequestIds(fixture);
  const deadLetterBodies = await peekDeadLetters(fixture);

  const deadLettered = new Map<string, DeadLetterEnvelope[]>();
  const deadLetters: { requestId?: string; stage: string; code: string }[] = [];
  const byBody = new Map(fixture.submitted.map((r) => [r.body, r.requestId]));
  const checked = new Set(requests.map((r) => r.requestId));
  for (const { queue, body } of deadLetterBodies) {
    const envelope = readDeadLetterEnvelope(body);
    if (!envelope) {
      violations.push(`a dead letter in ${queue} is not an envelope (the raw body was moved)`);
      continue;
    }
    deadLetters.push({
      ...(envelope.requestId ? { requestId: envelope.requestId } : {}),
      stage: envelope.stage,
      code: envelope.code,
    });
    if (!(envelope.reason ?? envelope.code) || !envelope.errorClass)
      violations.push(`a dead-letter envelope of ${envelope.stage} carries no reason`);
    const requestId = envelope.requestId ?? byBody.get(await originalBody(fixture, envelope));
    if (!requestId) {
      violations.push(`a dead-letter envelope of ${envelope.stage} matches no submitted request`);
      continue;
    }
    if (checked.has(requestId))
      deadLettered.set(requestId, [...(deadLettered.get(requestId) ?? []), envelope]);
  }

  const states = new Map<string, TerminalState[]>();
  const counts = { loaded: 0, dead_lettered: 0, quarantined: 0, none: 0 };
  const unexpected: { requestId: string; expected: TerminalState; actual: string }[] = [];
  const submittedIds = new Set(fixture.submitted.map((r) => r.requestId));
  for (const request of requests) {
    const id = request.requestId;
    const rows = findings.filter((f) => f.requestId === id);
    const history = ledger.get(id) ?? [];
    const observed: TerminalState[] = [];
    if (history.includes('loaded')) observed.push('loaded');
    if (quarantined.has(id) || history.includes('quarantined')) observed.push('quarantined');
    if (deadLettered.has(id)) observed.push('dead_lettered');
    states.set(id, observed);
    const state = observed.length === 1 ? (observed[0] as TerminalState) : 'none';
    counts[state] += 1;
    if (observed.length === 0)
      violations.push(`${id}: in no terminal state (ledger: ${history.join(' → ')})`);
    if (observed.length > 1) {
      const dead = (deadLettered.get(id) ?? []).map((e) => `${e.stage}/${e.code}`).join(', ');
      violations.push(
        `${id}: in more than one terminal state (${observed.join(', ')}; dead letters: ${dead})`,
      );
    }
    if (state !== request.expect)
      unexpected.push({ requestId: id, expected: request.expect, actual: observed.join('+') || 'none' });

    if (!observed.includes('loaded') && rows.length > 0)
      violations.push(`${id}: ${rows.length} rows in DSR_FINDINGS but never loaded`);
    if (state === 'quarantined') {
      if (!quarantined.has(id))
        violations.push(`${id}: ledger says quarantined, no object under quarantine/`);
      if (!history.includes('quarantined'))
        violations.push(`${id}: quarantined object without a quarantined ledger entry`);
    }
    if (state === 'loaded') {
      if (!request.subject) {
        violations.push(`${id}: a malformed request was loaded`);
        continue;
      }
      const document = await fixture.expectedDocument(request.subject);
      const expected = document.findings.map((f) => {
        const row = canonicalJson(f.row as CanonicalValue);
        return { key: `${f.system}\u0000${f.table}\u0000${canonicalJson(f.key as CanonicalValue)}`, row };
      });
      const actual = new Map(rows.map((r) => [`${r.system}\u0000${r.table}\u0000${r.rowKey}`, r]));
      if (rows.length !== expected.length)
        violations.push(`${id}: ${rows.length} rows loaded, a fault-free run finds ${expected.length}`);
      for (const e of expected) {
        const got = actual.get(e.key);
        if (!got) {
          violations.push(`${id}: a row found by a fault-free run is missing (${e.key.split('\u0000')[1]})`);
          continue;
        }
        const storedRow = got.row === null ? 'null' : canonicalJson(parseExactJson(got.row));
        if (storedRow !== e.row || got.rowHash !== sha256Hex(e.row))
          violations.push(`${id}: a row of ${e.key.split('\u0000')[1]} differs from the fault-free run`);
      }
      for (const r of rows)
        if (r.evidenceHash !== document.evidenceHash)
          violations.push(`${id}: evidence hash differs from the fault-free run`);
    }
  }
  for (const f of findings)
    if (!submittedIds.has(f.requestId))
      violations.push(`DSR_FINDINGS holds a row of ${f.requestId}, which was not submitted`);

  const duplicates = await fixture.snowflake.sql(
    `SELECT "REQUEST_ID", "SYSTEM", "TABLE_NAME", "ROW_KEY", COUNT(*) AS "N" FROM ${EVIDENCE.database}.${EVIDENCE.schema}.DSR_FINDINGS ` +
      'GROUP BY "REQUEST_ID", "SYSTEM", "TABLE_NAME", "ROW_KEY" HAVING COUNT(*) > 1',
  );
  for (const d of duplicates)
    violations.push(`${d.REQUEST_ID}: ${d.N} copies of one row of ${d.TABLE_NAME} in DSR_FINDINGS`);

  // The auditor's check: every request's hash chain, and every anchor the deadline check took.
  const ledgerDb = openTestSnowflakeDatabase(fixture.snowflake);
  let verification: ReturnType<typeof verifyLedger>;
  try {
    const anchors = await new FileAnchorStore(fixture.pipeline.anchorDir).list();
    verification = verifyLedger(await readLedgerSince(ledgerDb, EVIDENCE), anchors);
  } finally {
    await ledgerDb.close();
  }
  for (const b of verification.breaks) violations.push(`ledger verification: ${b.message}`);
  if (verification.unchained > 0)
    violations.push(`${verification.unchained} ledger entries written without the hash chain`);

  const clientsCheckedOut = await checkedOutSessions(fixture);
  if (clientsCheckedOut > 0)
    violations.push(
      `${clientsCheckedOut} PostgreSQL sessions of the pipeline still active or in a transaction`,
    );

  const haystack = [...fixture.lines, ...deadLetterBodies.map((d) => d.body)].join('\n');
  const lower = haystack.toLowerCase();
  const seeded = new Set(fixture.subjects.flatMap((s) => s.pii));
  const piiHits = [...seeded].filter(
    (v) => haystack.includes(v) || (v.includes('@') && lower.includes(v.toLowerCase())),
  );
  for (const hit of piiHits)
    violations.push(
      `a seeded personal value (${hit.length} characters) appears in a log line or dead letter`,
    );

  return {
    violations,
    states,
    counts,
    unexpected,
    deadLetters,
    clientsCheckedOut,
    piiHits,
    duplicateRows: duplicates.length,
    ledgerBreaks: verification.breaks.length,
    ledgerEntries: verification.entries,
  };
}

/**
 * Sessions of the pipeline on the file's database that are running a statement or sit inside a
 * transaction after the queues drained: a client that never went back to its pool.
 */
export async function checkedOutSessions(fixture: LocalPipelineFixture): Promise<number> {
  // A statement that was just handed back may still be reported for a moment: look twice.
  for (let attempt = 0; ; attempt++) {
    const { rows } = await fixture.sql(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND application_name = $2
          AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')`,
      [fixture.database.name, PIPELINE_APPLICATION_NAME],
    );
    const n = Number(rows[0]?.n ?? 0);
    if (n === 0 || attempt >= 10) return n;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function readFindings(fixture: LocalPipelineFixture): Promise<FindingRow[]> {
  const rows = await fixture.snowflake.sql(
    `SELECT "REQUEST_ID", "SYSTEM", "TABLE_NAME", "ROW_KEY", TO_VARCHAR("ROW") AS "ROW_TEXT", "ROW_HASH", "EVIDENCE_HASH" ` +
      `FROM ${EVIDENCE.database}.${EVIDENCE.schema}.DSR_FINDINGS`,
  );
  return rows.map((r) => ({
    requestId: String(r.REQUEST_ID),
    system: String(r.SYSTEM),
    table: String(r.TABLE_NAME),
    rowKey: canonicalJson(parseExactJson(String(r.ROW_KEY))),
    row: r.ROW_TEXT ?? null,
    rowHash: String(r.ROW_HASH),
    evidenceHash: String(r.EVIDENCE_HASH),
  }));
}

async function readLedgerStates(fixture: LocalPipelineFixture): Promise<Map<string, string[]>> {
  const rows = await fixture.snowflake.sql(
    `SELECT "REQUEST_ID", "STATE" FROM ${EVIDENCE.database}.${EVIDENCE.schema}.DSR_LEDGER`,
  );
  const states = new Map<string, string[]>();
  for (const r of rows) {
    const id = String(r.REQUEST_ID);
    states.set(id, [...(states.get(id) ?? []), String(r.STATE)]);
  }
  return states;
}

async function quarantinedRequestIds(fixture: LocalPipelineFixture): Promise<Set<string>> {
  const { s3, bucket } = fixture.pipeline.aws;
  const ids = new Set<string>();
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: 'quarantine/',
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const object of page.Contents ?? []) {
      const match = /^quarantine\/\d{4}\/\d{2}\/\d{2}\/(.+)\.json$/.exec(object.Key ?? '');
      if (match?.[1]) ids.add(match[1]);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return ids;
}

async function originalBody(fixture: LocalPipelineFixture, envelope: DeadLetterEnvelope): Promise<string> {
  const object = await fixture.pipeline.aws.s3
    .send(new GetObjectCommand({ Bucket: envelope.original.bucket, Key: envelope.original.key }))
    .catch(() => undefined);
  return (await object?.Body?.transformToString('utf8')) ?? '';
}

/**
 * Every message of every dead-letter queue, left in place: received under a short visibility
 * timeout, then made visible again.
 */
export async function peekDeadLetters(
  fixture: LocalPipelineFixture,
): Promise<{ queue: string; messageId: string; body: string }[]> {
  const { sqs, queues } = fixture.pipeline.aws;
  const found: { queue: string; messageId: string; body: string }[] = [];
  for (const [name, queue] of Object.entries(queues)) {
    const held: Message[] = [];
    const seen = new Set<string>();
    for (;;) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.deadLetterUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 30,
        }),
      );
      const fresh = (Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const m of fresh) {
        seen.add(m.MessageId as string);
        held.push(m);
        found.push({ queue: `${name}-dlq`, messageId: m.MessageId as string, body: m.Body ?? '' });
      }
    }
    for (const m of held)
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queue.deadLetterUrl,
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
  }
  return found;
}

/** A one-line account of a report, for the test output. */
export function describeReport(report: InvariantReport): string {
  const c = report.counts;
  return `loaded ${c.loaded}, dead-lettered ${c.dead_lettered}, quarantined ${c.quarantined}, none/several ${c.none}; duplicates ${report.duplicateRows}; clients checked out ${report.clientsCheckedOut}; PII hits ${report.piiHits.length}`;
}
