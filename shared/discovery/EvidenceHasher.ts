import { createHash, type Hash } from 'node:crypto';

/**
 * The evidence hash computed incrementally over the findings' canonical JSON lines in canonical
 * order: SHA-256 of `[` + lines joined by `,` + `]`, which is byte for byte the canonical JSON of
 * the findings array. So a stream of any length hashes to the value `evidenceHash(findings)` gives
 * for the same findings in memory, without ever holding them as one string.
 */
export class EvidenceHasher {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;
  private digest: string | undefined;

  constructor() {
    this.hash.update('[');
  }

  /** Adds the canonical JSON of the next finding. */
  add(line: string): void {
    if (this.digest !== undefined) throw new Error('EvidenceHasher: add after finish');
    if (this.count > 0) this.hash.update(',');
    this.hash.update(line, 'utf8');
    this.count++;
  }

  /**
   * Adds `rows` findings at once: `bytes` holds their canonical JSON as UTF-8, joined by `,` (the
   * same hash as `add` of each one's text). One call per chunk of a findings file instead of one per row.
   */
  addJoinedBytes(bytes: Uint8Array, rows: number): void {
    if (this.digest !== undefined) throw new Error('EvidenceHasher: add after finish');
    if (rows === 0) return;
    if (this.count > 0) this.hash.update(',');
    this.hash.update(bytes);
    this.count += rows;
  }

  /** Findings added so far. */
  get rows(): number {
    return this.count;
  }

  /** The hex digest; the hasher takes no more lines. */
  finish(): string {
    if (this.digest === undefined) {
      this.hash.update(']');
      this.digest = this.hash.digest('hex');
    }
    return this.digest;
  }
}
