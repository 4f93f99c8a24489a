import { describe, expect, it } from 'vitest';
import type { CanonicalValue } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { buildFindingsDocument, evidenceHash } from '../../../shared/discovery/FindingsDocument';
import { IntegrityViolationError } from '../../../shared/errors/IntegrityViolationError';
import type { StageMessage } from '../../../shared/pipeline/StageMessage';
import { verifyFindingsHandOff } from '../../../shared/pipeline/verifyFindingsHandOff';
import { InMemoryPayloadStore } from '../../support/inMemoryPorts';

const SUBJECT = 'a'.repeat(64);
const document = buildFindingsDocument({
  requestId: 'req-1',
  subjectHash: SUBJECT,
  tables: [
    {
      system: 'postgres',
      table: 'public.users',
      primaryKey: ['id'],
      rows: [
        {
          key: { id: 1 },
          provenance: [{ column: 'id', identity: 'user_id', round: 1, source: 'request', via: 'identity' }],
          row: { id: 1, balance: '12345678901234567890.000000000000000001' },
        },
      ],
    },
    { system: 'snowflake', table: 'ANALYTICS.PUBLIC.WEB_SESSIONS', primaryKey: ['SESSION_ID'], rows: [] },
  ],
});

function message(text: string, overrides: Partial<StageMessage> = {}): StageMessage {
  return {
    kind: 'dsr.stage',
    version: 1,
    requestId: 'req-1',
    type: 'access',
    jurisdiction: 'GDPR',
    deadline: '2026-02-01T00:00:00.000Z',
    subjectHash: SUBJECT,
    traceId: 't',
    tablesTouched: ['postgres:public.users'],
    evidenceHash: document.evidenceHash,
    findings: { inline: text },
    ...overrides,
  };
}

const reasonOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'accepted',
    (e: unknown) => (e instanceof IntegrityViolationError ? e.reason : `other: ${String(e)}`),
  );

describe('Function: verifyFindingsHandOff', () => {
  const store = new InMemoryPayloadStore();
  const text = canonicalJson(document as unknown as CanonicalValue);

  it('returns the document with exact numbers when everything agrees', async () => {
    const verified = await verifyFindingsHandOff(message(text), store);
    expect(canonicalJson(verified.document as unknown as CanonicalValue)).toBe(text);
  });

  it('lets through fields a finding may carry besides system, table, key and row (provenance)', async () => {
    const findings = document.findings.map((f) => ({ ...f, provenance: [{ via: 'email' }] }));
    const withProvenance = { ...document, findings, evidenceHash: evidenceHash(findings as never) };
    const body = canonicalJson(withProvenance as unknown as CanonicalValue);
    expect(
      await reasonOf(
        verifyFindingsHandOff(message(body, { evidenceHash: withProvenance.evidenceHash }), store),
      ),
    ).toBe('accepted');
  });

  it.each([
    ['a changed row', text.replace('000000000000000001', '000000000000000002'), {}, 'evidence_hash_mismatch'],
    [
      'a message hash that is not the findings',
      text,
      { evidenceHash: 'b'.repeat(64) },
      'evidence_hash_mismatch',
    ],
    ['truncated text', text.slice(0, 80), {}, 'findings_malformed'],
    ['a finding without its key', text.replace('"key":{"id":1},', ''), {}, 'findings_malformed'],
    [
      'a count that differs from the findings',
      text.replace('"public.users":1', '"public.users":2'),
      {},
      'findings_malformed',
    ],
    ['another request id', text, { requestId: 'req-2' }, 'request_id_mismatch'],
    ['another subject', text, { subjectHash: 'c'.repeat(64) }, 'subject_hash_mismatch'],
    ['tables hidden from the drift check', text, { tablesTouched: [] }, 'tables_touched_mismatch'],
  ] as [string, string, Partial<StageMessage>, string][])(
    'refuses %s',
    async (_, body, overrides, reason) => {
      expect(await reasonOf(verifyFindingsHandOff(message(body, overrides), store))).toBe(reason);
    },
  );

  it('refuses a subject hash that is not the one the ledger received', async () => {
    expect(
      await reasonOf(verifyFindingsHandOff(message(text), store, { ledgerSubjectHash: 'd'.repeat(64) })),
    ).toBe('ledger_subject_mismatch');
  });

  it('reads a claim check from the bucket and checks it the same way', async () => {
    const good = await store.put('claim-check/req-1/good.json', text);
    const bad = await store.put('claim-check/req-1/bad.json', text.replace('"id":1', '"id":2'));
    expect(
      await reasonOf(verifyFindingsHandOff(message('', { findings: { claimCheck: good } }), store)),
    ).toBe('accepted');
    expect(await reasonOf(verifyFindingsHandOff(message('', { findings: { claimCheck: bad } }), store))).toBe(
      'evidence_hash_mismatch',
    );
  });
});
