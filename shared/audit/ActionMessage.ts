import { z } from 'zod';
import { parseExactJson } from '../canonical/parseExactJson';
import { MalformedRequestError } from '../intake/MalformedRequestError';
import { DEFAULT_MAX_INTAKE_BYTES } from '../intake/parseIntakeMessage';
import { isActionMessage, parseRequestAction, type RequestAction } from './RequestAction';

/**
 * An action on its way from intake to the gate, the first stage that reads the ledger. It carries
 * the reason code and the hash of the free text, never the text, and the time the action arrived:
 * an extension is judged against its notice window at that time, not after a queue's delay.
 */
export interface ActionMessage extends RequestAction {
  readonly kind: 'dsr.action';
  readonly version: 1;
  /** ISO-8601, when the intake stage read the action. */
  readonly requestedAt: string;
}

const actionMessageSchema = z.strictObject({
  kind: z.literal('dsr.action'),
  version: z.literal(1),
  action: z.enum(['extend', 'cancel']),
  requestId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/),
  reasonCode: z.string().regex(/^[a-z_]{1,40}$/),
  reasonTextHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  requestedAt: z.iso.datetime({ offset: true }),
});

/**
 * The action an intake body carries, or undefined when the body is a request (no `action` key).
 * An action that does not validate is a {@link MalformedRequestError}, like a bad request.
 */
export function readIntakeAction(
  body: string,
  maxBytes = DEFAULT_MAX_INTAKE_BYTES,
): RequestAction | undefined {
  if (!body.includes('"action"') || Buffer.byteLength(body, 'utf8') > maxBytes) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isActionMessage(raw)) return undefined;
  try {
    parseExactJson(body);
  } catch {
    throw new MalformedRequestError('bad_shape', 'the message repeats a key');
  }
  return parseRequestAction(raw);
}

export function buildActionMessage(action: RequestAction, requestedAt: Date): ActionMessage {
  return { kind: 'dsr.action', version: 1, ...action, requestedAt: requestedAt.toISOString() };
}

/** The action of a `dsr.action` message, or undefined when the body is another kind of message. */
export function readActionMessage(body: string): ActionMessage | undefined {
  if (!body.includes('"dsr.action"')) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = actionMessageSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const { reasonTextHash, ...rest } = parsed.data;
  return { ...rest, ...(reasonTextHash ? { reasonTextHash } : {}) };
}
