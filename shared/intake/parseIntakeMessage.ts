import { isWellFormedText } from '../canonical/isWellFormedText';
import { parseExactJson } from '../canonical/parseExactJson';
import { computeDeadline, DEFAULT_DEADLINE_RULES, type DeadlineRule } from './computeDeadline';
import type { IntakeRequest } from './IntakeRequest';
import { intakeMessageSchema } from './IntakeRequest';
import { MalformedRequestError } from './MalformedRequestError';

/** Largest intake message accepted, in bytes. */
export const DEFAULT_MAX_INTAKE_BYTES = 64 * 1024;

export interface ParseIntakeOptions {
  /** Identity kinds the data map declares; a subject using any other kind is refused. */
  readonly identityKinds: readonly string[];
  /** @default 64 KiB */
  readonly maxBytes?: number;
  /** Deadline rules per jurisdiction, used when the message carries no deadline. @default GDPR, UK_GDPR, CCPA, LGPD */
  readonly deadlineRules?: Readonly<Record<string, DeadlineRule>>;
}

/** ISO-8601 date-time with an explicit zone (Z or ±hh:mm). */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses and validates one intake message body. Every refusal is a {@link MalformedRequestError}
 * with a reason; messages name fields and kinds, never values, so the error can be logged and
 * dead-lettered as is.
 */
export function parseIntakeMessage(body: string, options: ParseIntakeOptions): IntakeRequest {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_INTAKE_BYTES;
  const size = Buffer.byteLength(body, 'utf8');
  if (size > maxBytes) {
    throw new MalformedRequestError('oversized', `the message is ${size} bytes; the limit is ${maxBytes}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new MalformedRequestError('not_json', 'the message body is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new MalformedRequestError('bad_shape', 'the message is not a JSON object');
  }
  // JSON.parse keeps the last of duplicate keys silently; a message saying two things is refused.
  try {
    parseExactJson(body);
  } catch {
    throw new MalformedRequestError('bad_shape', 'the message repeats a key');
  }
  const version = (raw as { version?: unknown }).version;
  if (version !== 1) {
    const shown = typeof version === 'number' && Number.isInteger(version) ? String(version) : 'not shown';
    throw new MalformedRequestError('unknown_version', `unsupported version (${shown}); supported: 1`);
  }
  // Kinds are checked on the parsed object itself: a record schema would drop a `__proto__` key.
  const rawSubject = (raw as { subject?: unknown }).subject;
  if (typeof rawSubject === 'object' && rawSubject !== null && !Array.isArray(rawSubject)) {
    checkKinds(Object.keys(rawSubject), options.identityKinds);
    for (const [kind, value] of Object.entries(rawSubject)) {
      const values: unknown[] = Array.isArray(value) ? value : [value];
      if (!isWellFormedText(kind) || values.some((v) => typeof v === 'string' && !isWellFormedText(v)))
        throw new MalformedRequestError('bad_shape', 'subject holds text that is not well-formed unicode');
    }
  }
  const parsed = intakeMessageSchema.safeParse(raw);
  if (!parsed.success) {
    // Paths only: zod's messages may quote the offending value.
    const fields = [...new Set(parsed.error.issues.map((i) => pathOf(i.path)))].join(', ');
    throw new MalformedRequestError('bad_shape', `invalid fields: ${fields}`);
  }
  const message = parsed.data;

  const subject: Record<string, string[]> = {};
  for (const [kind, value] of Object.entries(message.subject)) {
    const values = (Array.isArray(value) ? value : [value]).filter((v) => v.trim() !== '');
    if (values.length > 0) subject[kind] = values;
  }
  if (Object.keys(subject).length === 0) {
    throw new MalformedRequestError('no_identifier', 'the subject carries no identifier value');
  }

  const receivedAt = parseDate(message.receivedAt, 'receivedAt');
  let deadline: Date;
  let deadlineComputed = false;
  if (message.deadline !== undefined) {
    deadline = parseDate(message.deadline, 'deadline');
    if (deadline.getTime() < receivedAt.getTime()) {
      throw new MalformedRequestError('bad_date', 'deadline is before receivedAt');
    }
  } else {
    deadline = computeDeadline(
      receivedAt,
      message.jurisdiction,
      options.deadlineRules ?? DEFAULT_DEADLINE_RULES,
    );
    deadlineComputed = true;
  }
  return {
    version: 1,
    requestId: message.requestId,
    type: message.type,
    subject,
    jurisdiction: message.jurisdiction,
    receivedAt: message.receivedAt,
    deadline: deadline.toISOString(),
    deadlineComputed,
    ...(message.language !== undefined ? { language: message.language } : {}),
  };
}

function checkKinds(kinds: readonly string[], declared: readonly string[]): void {
  const known = new Set(declared);
  for (const kind of kinds) {
    if (!known.has(kind)) {
      const shown = /^[a-z][a-z0-9_]{0,40}$/.test(kind) ? `"${kind}"` : '(not shown)';
      throw new MalformedRequestError(
        'unknown_identity_kind',
        `unknown identity kind ${shown}; the data map declares: ${[...known].join(', ')}`,
      );
    }
  }
}

function parseDate(text: string, field: string): Date {
  const date = new Date(text);
  if (!ISO_DATE_TIME.test(text) || Number.isNaN(date.getTime())) {
    throw new MalformedRequestError('bad_date', `${field} is not an ISO-8601 date-time with a zone`);
  }
  // Reject impossible calendar dates that Date silently rolls over (2025-02-30).
  const [y, m, d] = text.slice(0, 10).split('-').map(Number);
  const check = new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1));
  if (check.getUTCMonth() !== (m ?? 1) - 1 || check.getUTCDate() !== d) {
    throw new MalformedRequestError('bad_date', `${field} is not a calendar date`);
  }
  return date;
}

function pathOf(path: readonly PropertyKey[]): string {
  // Keys under `subject` may themselves be hostile: show only the top-level field.
  if (path[0] === 'subject') return 'subject';
  return path.map(String).join('.') || '(root)';
}
