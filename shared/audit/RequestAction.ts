import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MalformedRequestError } from '../intake/MalformedRequestError';

/** Why a deadline is extended (GDPR Art. 12(3): "the complexity and number of the requests"). */
export const EXTENSION_REASONS = ['complexity', 'number_of_requests', 'other'] as const;
/** Why a request is cancelled (GDPR Art. 12(5) and 12(6); CCPA §7060 unverifiable requests). */
export const CANCEL_REASONS = [
  'identity_not_verified',
  'withdrawn',
  'manifestly_unfounded',
  'excessive',
  'duplicate',
] as const;

export type RequestActionKind = 'extend' | 'cancel';

/**
 * An operator's action on a request. The reason is a code from a fixed list; free text given
 * with it may name people, so it is never stored, logged or forwarded: only its SHA-256 is kept,
 * which proves later which text was given (the text itself stays in the case system).
 */
export interface RequestAction {
  readonly action: RequestActionKind;
  readonly requestId: string;
  readonly reasonCode: string;
  /** SHA-256 (hex) of the free text, NFC-normalised; absent when none was given. */
  readonly reasonTextHash?: string;
}

const requestId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);

/** An action as a portal sends it on the intake queue: `{"action", "requestId", "reason"}`. */
export const requestActionMessageSchema = z.strictObject({
  version: z.literal(1).optional(),
  action: z.enum(['extend', 'cancel']),
  requestId,
  reason: z.string().min(1).max(4000),
});

/**
 * Reads a reason given as `code` or `code: free text` (`"complexity: 14 systems to search"`).
 * An unknown code is refused with the codes allowed; the free text is reduced to its hash.
 */
export function parseReason(
  action: RequestActionKind,
  reason: string,
): Pick<RequestAction, 'reasonCode' | 'reasonTextHash'> {
  const allowed: readonly string[] = action === 'extend' ? EXTENSION_REASONS : CANCEL_REASONS;
  const colon = reason.indexOf(':');
  const code = (colon < 0 ? reason : reason.slice(0, colon)).trim();
  const text = colon < 0 ? '' : reason.slice(colon + 1).trim();
  if (!allowed.includes(code)) {
    throw new MalformedRequestError(
      'bad_shape',
      `the reason must start with one of ${allowed.join(', ')} (then, optionally, ": free text")`,
    );
  }
  return {
    reasonCode: code,
    ...(text ? { reasonTextHash: createHash('sha256').update(text.normalize('NFC')).digest('hex') } : {}),
  };
}

/** Whether a parsed intake body is an action rather than a request. */
export function isActionMessage(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && Object.hasOwn(raw, 'action');
}

/**
 * Validates an action message strictly (no other field, a known reason code); refusals are
 * {@link MalformedRequestError}s naming fields, never the reason's text.
 */
export function parseRequestAction(raw: unknown): RequestAction {
  const parsed = requestActionMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.map(String).join('.') || '(root)'))];
    throw new MalformedRequestError('bad_shape', `invalid action fields: ${fields.join(', ')}`);
  }
  const { action, requestId: id, reason } = parsed.data;
  return { action, requestId: id, ...parseReason(action, reason) };
}
