import type { FindingsSource } from '../discovery/FindingsStream';
import type { VerifiedFindings } from './verifyFindingsHandOff';

/**
 * Verified findings as a {@link FindingsSource} (for the subject's package): each pass reads the
 * parts again one at a time, each checked against its SHA-256 as it is read, and gives their
 * canonical lines without parsing them. Memory is one part, whatever the subject's size.
 */
export function verifiedFindingsSource(findings: VerifiedFindings, subjectHash: string): FindingsSource {
  return {
    summary: {
      requestId: findings.requestId,
      subject: { hash: subjectHash },
      counts: findings.counts,
      evidenceHash: findings.evidenceHash,
      rows: findings.rows,
      ...(findings.unreadable ? { unreadable: findings.unreadable } : {}),
      ...(findings.notFollowed ? { notFollowed: findings.notFollowed } : {}),
      ...(findings.unparsedPhones ? { unparsedPhones: findings.unparsedPhones } : {}),
    },
    async *lines() {
      for (let i = 0; i < findings.parts.length; i++)
        yield* (await findings.readPart(i, { parse: false })).lines;
    },
  };
}
