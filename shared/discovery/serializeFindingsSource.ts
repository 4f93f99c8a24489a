import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import type { FindingsSource, FindingsSummary } from './FindingsStream';

/** Findings lines gathered into one chunk before it is handed on. */
const CHUNK_CHARS = 1024 * 1024;

/**
 * The findings document as canonical JSON, in chunks, without holding the findings: byte for byte
 * what `serializeFindingsDocument` writes for the same findings. The document's keys in canonical
 * order are `counts, evidenceHash, findings, notFollowed, requestId, subject, unparsedPhones, unreadable`; everything but the
 * findings comes from the summary (known once the findings are complete), and the findings array is
 * the source's lines joined by `,`.
 */
export async function* serializeFindingsSource(source: FindingsSource): AsyncGenerator<string> {
  yield findingsDocumentHead(source.summary);
  let chunk: string[] = [];
  let chars = 0;
  let first = true;
  for await (const line of source.lines()) {
    chunk.push(first ? line : `,${line}`);
    first = false;
    chars += line.length + 1;
    if (chars >= CHUNK_CHARS) {
      yield chunk.join('');
      chunk = [];
      chars = 0;
    }
  }
  if (chunk.length > 0) yield chunk.join('');
  yield findingsDocumentTail(source.summary);
}

/** The document up to the findings array's opening bracket. */
export function findingsDocumentHead(s: FindingsSummary): string {
  return `{"counts":${canonicalJson(s.counts as unknown as CanonicalValue)},"evidenceHash":${JSON.stringify(s.evidenceHash)},"findings":[`;
}

/** The document from the findings array's closing bracket on. */
export function findingsDocumentTail(s: FindingsSummary): string {
  const rest = {
    ...(s.notFollowed ? { notFollowed: s.notFollowed } : {}),
    requestId: s.requestId,
    subject: s.subject,
    ...(s.unparsedPhones ? { unparsedPhones: s.unparsedPhones } : {}),
    ...(s.unreadable ? { unreadable: s.unreadable } : {}),
  };
  // `rest` serialised is `{"requestId":…}`: its members follow the findings array.
  return `],${canonicalJson(rest as unknown as CanonicalValue).slice(1)}`;
}
