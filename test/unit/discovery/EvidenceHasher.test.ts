import { describe, expect, it } from 'vitest';
import { JsonNumber } from '../../../shared/canonical/CanonicalValue';
import { EvidenceHasher } from '../../../shared/discovery/EvidenceHasher';
import { evidenceHash, type Finding } from '../../../shared/discovery/FindingsDocument';
import { findingsSourceOf } from '../../../shared/discovery/FindingsStream';

const finding = (n: number): Finding => ({
  key: { id: new JsonNumber(String(n)) },
  provenance: [{ column: 'email', identity: 'email', round: 1, source: 'request', via: 'identity' }],
  row: { id: new JsonNumber(String(n)), note: `ü${n}` },
  system: 'postgres',
  table: 'public.t',
});

describe('EvidenceHasher', () => {
  it.each([0, 1, 3])(
    'hashes %i findings streamed line by line as evidenceHash hashes them in memory',
    async (n) => {
      const findings = Array.from({ length: n }, (_, i) => finding(i + 1));
      const source = findingsSourceOf({
        counts: { postgres: { 'public.t': n } },
        evidenceHash: evidenceHash(findings),
        findings,
        requestId: 'r-1',
        subject: { hash: 'a'.repeat(64) },
      });
      const hasher = new EvidenceHasher();
      for await (const line of source.lines()) hasher.add(line);
      expect(hasher.rows).toBe(n);
      expect(hasher.finish()).toBe(evidenceHash(findings));
      expect(source.summary.rows).toBe(n);
    },
  );

  it('hashes findings added a chunk at a time, joined by commas, as it hashes them one by one', () => {
    const lines = ['{"a":1}', '{"b":"é"}', '{"c":[1,2]}', '{"d":null}'];
    const oneByOne = new EvidenceHasher();
    for (const line of lines) oneByOne.add(line);
    const chunked = new EvidenceHasher();
    chunked.addJoinedBytes(Buffer.from(lines.slice(0, 3).join(',')), 3);
    chunked.addJoinedBytes(Buffer.alloc(0), 0);
    chunked.addJoinedBytes(Buffer.from(lines[3] as string), 1);
    expect(chunked.rows).toBe(4);
    expect(chunked.finish()).toBe(oneByOne.finish());
  });

  it('refuses a line after the digest is taken', () => {
    const hasher = new EvidenceHasher();
    hasher.finish();
    expect(() => hasher.add('{}')).toThrow(/after finish/);
  });
});
