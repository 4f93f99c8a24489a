import { describe, expect, it } from 'vitest';
import { type CanonicalValue, JsonNumber } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { sha256Hex } from '../../../shared/canonical/sha256';
import { rememberWrittenJson } from '../../../shared/discovery/rowJsonOf';
import { type ErasurePlan, planHashOf, sealPlan } from '../../../shared/erasure/ErasurePlan';

// A plan whose objects are built field by field, out of canonical order, at every level: rows with
// a composite exact-number key, masked rows with both hashes, a keyless row, shared rows, a retained
// table and text outside ASCII.
const content: Omit<ErasurePlan, 'planHash'> = {
  version: 1,
  requestId: 'REQ-ü-1',
  subject: { hash: 'a'.repeat(64) },
  findingsHash: 'b'.repeat(64),
  tables: [
    {
      system: 'postgres',
      table: 'public.note',
      action: 'mask',
      primaryKey: ['tenant', 'id'],
      found: 3,
      rows: [
        { key: { tenant: 't1', id: new JsonNumber('12345678901234567890') }, rowHash: 'c1', restHash: 'd1' },
        { rowHash: 'c2', key: { id: 2, tenant: 't1' }, restHash: 'd2' },
      ],
      mask: [{ column: 'body', strategy: 'redact', text: '[erasé]' }],
      approvalRequired: false,
      shared: {
        setting: 'retain',
        retained: [{ key: { id: 3, tenant: 't1' }, rowHash: 'c3' }],
        changed: 0,
        referencedBy: { 'public.other': 1 },
        otherPersons: 1,
        through: 0,
      },
    },
    {
      system: 'postgres',
      table: 'public.event_log',
      action: 'delete',
      primaryKey: [],
      found: 1,
      rows: [{ key: { _row: 'e'.repeat(64), _n: 1 }, rowHash: 'e'.repeat(64) }],
      approvalRequired: false,
    },
    {
      system: 'postgres',
      table: 'public.invoice',
      action: 'retain',
      primaryKey: ['id'],
      found: 1,
      rows: [],
      retain: { ground: 'tax law', until: 'P10Y' },
      approvalRequired: true,
    },
  ],
};

describe('Function: sealPlan', () => {
  it('hashes the plan piece by piece to the SHA-256 of its whole canonical JSON', () => {
    const expected = sha256Hex(canonicalJson(content as unknown as CanonicalValue));
    const sealed = sealPlan(content);
    expect(sealed.planHash).toBe(expected);
    expect(planHashOf(sealed)).toBe(expected);
  });

  it('hashes rows whose keys discovery wrote as JSON to the same digest, in chunks, other items as they are', () => {
    // Prepare: 3,000 rows (several chunks) with remembered key texts, masked and not, and one row
    // with a member a planned row never has
    const rows = Array.from({ length: 3000 }, (_, i) => {
      const key = { id: new JsonNumber(String(10_000_000_000_000_000n + BigInt(i))), tenant: `t-ü${i}` };
      rememberWrittenJson(key, canonicalJson(key));
      return i % 2 === 0 ? { key, rowHash: `r${i}` } : { key, restHash: `m${i}`, rowHash: `r${i}` };
    });
    const odd = { ...rows[0], note: 'extra' } as unknown as (typeof rows)[number];
    const [note, ...rest] = content.tables;
    const plan = {
      ...content,
      tables: [{ ...(note as ErasurePlan['tables'][number]), rows: [...rows, odd] }, ...rest],
    };

    // Act
    const sealed = sealPlan(plan);

    // Assess
    expect(sealed.planHash).toBe(sha256Hex(canonicalJson(plan as unknown as CanonicalValue)));
  });

  it('gives another hash when any row of the plan differs', () => {
    const sealed = sealPlan(content);
    const [note, ...rest] = content.tables;
    const changed = sealPlan({
      ...content,
      tables: [
        {
          ...(note as ErasurePlan['tables'][number]),
          rows: [{ key: { id: 2, tenant: 't1' }, rowHash: 'c2' }],
        },
        ...rest,
      ],
    });
    expect(changed.planHash).not.toBe(sealed.planHash);
    expect(planHashOf({ ...sealed, tables: changed.tables })).toBe(changed.planHash);
  });
});
