import { createHash } from 'node:crypto';

/** Frames of the stack that make up the fingerprint. */
const FRAMES = 8;

/**
 * A short, stable fingerprint of where an error was thrown: the SHA-256 (first 16 hex digits) of
 * its class and its top stack frames, each reduced to function name, file name and line. The
 * message is left out (it may quote a value), and so are directories and columns, so the same bug
 * gives the same fingerprint in every container and on every machine, and no value can leak
 * through it. Errors with the same fingerprint are one defect.
 */
export function stackFingerprint(error: unknown): string {
  const errorClass = error instanceof Error ? error.name : typeof error;
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const frames = stack
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '))
    .slice(0, FRAMES)
    .map(normalizeFrame);
  return createHash('sha256')
    .update([errorClass, ...frames].join('\n'), 'utf8')
    .digest('hex')
    .slice(0, 16);
}

/** `at fn (/a/b/file.ts:12:5)` → `fn file.ts:12`. */
function normalizeFrame(frame: string): string {
  const m = /^at (?:(.*?) \()?(?:.*[/\\])?([^/\\():]+):(\d+)(?::\d+)?\)?$/.exec(frame);
  if (!m) return frame.replace(/^at /, '').replace(/:\d+\)?$/, '');
  return `${m[1] ?? '<anonymous>'} ${m[2]}:${m[3]}`;
}
