import { buildErasureReceipt, type ErasureReceipt } from '../../shared/erasure/buildErasureReceipt';
import { sealPlan } from '../../shared/erasure/ErasurePlan';
import type { ErasureVerification } from '../../shared/erasure/verifyErasure';

/**
 * A receipt as the erase stage builds it, over tables real estates have: a keyed customer table
 * deleted, a ticket table masked in two columns, a keyless audit log deleted (several rows about
 * the subject), invoices retained on a legal ground, a Snowflake table, and a table without a rule
 * where the proof still finds a row (`erasure_unverified` when `unverified`).
 */
export function sampleErasureReceipt(
  requestId: string,
  options: { unverified?: boolean; completedAt?: string } = {},
): ErasureReceipt {
  const row = (n: number) => ({ key: { id: n }, rowHash: n.toString(16).padStart(64, '0') });
  const plan = sealPlan({
    version: 1,
    requestId,
    subject: { hash: 'ab'.repeat(32) },
    findingsHash: 'cd'.repeat(32),
    tables: [
      {
        system: 'postgres',
        table: 'public.customer',
        action: 'delete',
        primaryKey: ['id'],
        found: 1,
        rows: [row(1)],
        approvalRequired: false,
      },
      {
        system: 'postgres',
        table: 'public.ticket',
        action: 'mask',
        primaryKey: ['id'],
        found: 2,
        rows: [row(2), row(3)],
        mask: [
          { column: 'requester_email', strategy: 'hash' },
          { column: 'body', strategy: 'redact', text: '[erased]' },
        ],
        approvalRequired: false,
      },
      {
        system: 'postgres',
        table: 'public.audit_log',
        action: 'delete',
        primaryKey: [],
        found: 3,
        rows: [row(4), row(4), row(5)],
        approvalRequired: true,
      },
      {
        system: 'postgres',
        table: 'public.invoice',
        action: 'retain',
        primaryKey: ['id'],
        found: 2,
        rows: [],
        retain: { ground: 'tax law: invoices kept 10 years', until: 'P10Y' },
        approvalRequired: false,
      },
      {
        system: 'snowflake',
        table: 'ANALYTICS.PUBLIC.WEB_SESSIONS',
        action: 'delete',
        primaryKey: ['SESSION_ID'],
        found: 4,
        rows: [row(6), row(7), row(8), row(9)],
        approvalRequired: false,
      },
      {
        system: 'postgres',
        table: 'public.newsletter',
        action: 'none',
        primaryKey: ['id'],
        found: 1,
        rows: [],
        approvalRequired: false,
      },
    ],
  });
  const verification: ErasureVerification = options.unverified
    ? {
        outcome: 'erasure_unverified',
        remaining: [{ system: 'postgres', table: 'public.newsletter', rows: 1, reason: 'no_erasure_rule' }],
        refound: { 'postgres:public.invoice': 2, 'postgres:public.newsletter': 1 },
      }
    : { outcome: 'erased', remaining: [], refound: { 'postgres:public.invoice': 2 } };
  return buildErasureReceipt({
    plan,
    steps: [
      {
        system: 'postgres',
        table: 'public.customer',
        action: 'delete',
        planned: 1,
        changed: 1,
        alreadyDone: 0,
      },
      { system: 'postgres', table: 'public.ticket', action: 'mask', planned: 2, changed: 2, alreadyDone: 0 },
      {
        system: 'postgres',
        table: 'public.audit_log',
        action: 'delete',
        planned: 3,
        changed: 3,
        alreadyDone: 0,
      },
      {
        system: 'snowflake',
        table: 'ANALYTICS.PUBLIC.WEB_SESSIONS',
        action: 'delete',
        planned: 4,
        changed: 4,
        alreadyDone: 0,
      },
    ],
    verification,
    retention: {
      postgresBackupRetentionDays: 35,
      snowflake: { 'ANALYTICS.PUBLIC.WEB_SESSIONS': { retentionDays: 1, transient: false } },
    },
    completedAt: options.completedAt ?? '2026-03-06T10:15:00.000Z',
  });
}
