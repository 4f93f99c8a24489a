import { closeSync, openSync, readSync } from 'node:fs';
import type { SpilledFindings } from './FindingsSpill';
import { findingsDocumentHead, findingsDocumentTail } from './serializeFindingsSource';

/**
 * Bytes of the findings file read (and handed on) at a time. Reads are synchronous: the file is
 * local and in the page cache as a rule, and an asynchronous read of each chunk waited for a
 * thread of the pool every time (about 1 s of a 360 MB document).
 */
const CHUNK_BYTES = 1024 * 1024;
const LINE_FEED = 0x0a;
const COMMA = 0x2c;

/**
 * The findings document of spilled findings as UTF-8 bytes, in chunks: byte for byte what
 * `serializeFindingsSource` writes for them, without decoding the findings file into strings and
 * encoding it again. The file holds one canonical finding per line, and canonical JSON escapes
 * every line feed inside strings (and 0x0A never occurs inside a multi-byte UTF-8 sequence), so
 * the findings array is the file with each line feed but the last turned into a comma.
 */
export async function* serializeSpilledFindings(findings: SpilledFindings): AsyncGenerator<Uint8Array> {
  yield Buffer.from(findingsDocumentHead(findings.summary), 'utf8');
  const file = openSync(findings.path, 'r');
  try {
    // The line feed that ends the file's last line is held back: it is not followed by a finding.
    let heldLineFeed = false;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      const bytesRead = readSync(file, chunk, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      const bytes = chunk.subarray(0, bytesRead);
      if (heldLineFeed) yield Buffer.of(COMMA);
      heldLineFeed = bytes[bytes.length - 1] === LINE_FEED;
      const body = heldLineFeed ? bytes.subarray(0, bytes.length - 1) : bytes;
      for (let at = body.indexOf(LINE_FEED); at !== -1; at = body.indexOf(LINE_FEED, at + 1))
        body[at] = COMMA;
      if (body.length > 0) yield body;
    }
  } finally {
    closeSync(file);
  }
  yield Buffer.from(findingsDocumentTail(findings.summary), 'utf8');
}
