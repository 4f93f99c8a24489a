import { describe, expect, it } from 'vitest';
import type { CanonicalValue } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { parseNotFollowed, summarizeNotFollowed } from '../../../shared/discovery/NotFollowed';

describe('Function: summarizeNotFollowed and the note as it crosses a stage', () => {
  it('gathers followed and learned refusals apart, sorted, and parses both back from the ledger text', () => {
    // Prepare: two values of one followed column, one learned phone, all held by 2 rows.
    const follow = {
      system: 'postgres' as const,
      table: 'public.customers',
      column: 'customer_no',
      into: ['postgres:public.orders.customer_no'],
      rows: 2,
      capped: false,
    };
    const learned = { ...follow, column: 'phone', identity: 'phone', into: undefined };
    const { into: _into, ...learnedValue } = learned;

    // Act
    const note = summarizeNotFollowed([learnedValue, follow, { ...follow }]);
    const parsed = parseNotFollowed(canonicalJson(note as unknown as CanonicalValue));

    // Assess
    expect(note).toEqual([
      {
        column: 'customer_no',
        into: ['postgres:public.orders.customer_no'],
        rows: 2,
        system: 'postgres',
        table: 'public.customers',
        values: 2,
      },
      {
        column: 'phone',
        identity: 'phone',
        rows: 2,
        system: 'postgres',
        table: 'public.customers',
        values: 1,
      },
    ]);
    expect(parsed).toEqual(note);
  });

  it('refuses a note that names both the kind and the followers, neither, or a follower that is not a column', () => {
    const base = { system: 'postgres', table: 't', column: 'c', rows: 2, values: 1 };
    expect(() =>
      parseNotFollowed(JSON.stringify([{ ...base, identity: 'phone', into: ['postgres:t.c'] }])),
    ).toThrow();
    expect(() => parseNotFollowed(JSON.stringify([base]))).toThrow();
    expect(() => parseNotFollowed(JSON.stringify([{ ...base, into: ['ana@x.test'] }]))).toThrow();
    expect(() => parseNotFollowed(JSON.stringify([{ ...base, into: [] }]))).toThrow();
  });
});
