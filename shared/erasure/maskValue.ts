import { createHmac } from 'node:crypto';
import type { CanonicalValue } from '../canonical/CanonicalValue';
import { canonicalJson } from '../canonical/canonicalJson';
import type { PgColumn } from '../postgres/readPgCatalog';
import type { PlannedMask } from './ErasurePlan';
import { maxLengthOf } from './readErasureCatalog';

/** Random bytes; injected so tests and benchmarks are repeatable. */
export type RandomBytes = (size: number) => Buffer;

const INTEGER_RANGES: Record<string, bigint> = {
  smallint: 32767n,
  integer: 2147483647n,
  bigint: 9223372036854775807n,
};
/** The shortest keyed hash or random text kept: shorter would make collisions likely. */
export const MIN_MASK_LENGTH = 16;

/**
 * Why `strategy` cannot be applied to `column` (type, NOT NULL, length), or undefined when it can.
 * UNIQUE, keys and CHECK constraints are checked by the planner, which sees the whole table.
 */
export function maskRefusal(mask: PlannedMask, column: PgColumn): string | undefined {
  const text = column.category === 'S';
  const max = maxLengthOf(column);
  if (column.generated)
    return 'is set by PostgreSQL alone (a generated column, or an identity column GENERATED ALWAYS): it cannot be masked; mask the columns it is computed from';
  switch (mask.strategy) {
    case 'null':
      return column.notNull ? 'is NOT NULL: it cannot be masked with null' : undefined;
    case 'redact':
      if (!text) return `is ${column.typeName}: a fixed redaction needs a text column`;
      if (max !== undefined && [...mask.text].length > max)
        return `holds at most ${max} characters: the redaction text is ${[...mask.text].length} long`;
      return undefined;
    case 'hash':
      if (column.castType === 'uuid') return undefined;
      if (!text) return `is ${column.typeName}: a keyed hash needs a text or uuid column`;
      if (max !== undefined && max < MIN_MASK_LENGTH)
        return `holds at most ${max} characters: a keyed hash needs at least ${MIN_MASK_LENGTH}`;
      return undefined;
    case 'random':
      if (column.castType === 'uuid' || column.castType in INTEGER_RANGES) return undefined;
      if (!text)
        return `is ${column.typeName}: a random value is made for text, integer and uuid columns only`;
      if (max !== undefined && max < MIN_MASK_LENGTH)
        return `holds at most ${max} characters: a random value needs at least ${MIN_MASK_LENGTH}`;
      return undefined;
  }
}

/**
 * The masked value of one column, as text to bind and cast to the column's type (null for SQL
 * NULL). A NULL stays NULL: masking must not invent data where there was none. The keyed hash is
 * HMAC-SHA256 of the original canonical value, hex, cut to the column's length (a uuid is formed
 * from its first 128 bits): the same value always masks the same, so joins and uniqueness survive.
 */
export function maskValue(
  mask: PlannedMask,
  column: PgColumn,
  original: CanonicalValue,
  deps: { readonly maskKey: string | Buffer; readonly randomBytes: RandomBytes },
): string | null {
  if (original === null || mask.strategy === 'null') return null;
  const max = maxLengthOf(column) ?? 64;
  if (mask.strategy === 'redact') return mask.text;
  const bytes =
    mask.strategy === 'hash'
      ? createHmac('sha256', deps.maskKey)
          .update(canonicalJson(original as CanonicalValue))
          .digest()
      : deps.randomBytes(32);
  if (column.castType === 'uuid') return asUuid(bytes);
  const range = INTEGER_RANGES[column.castType];
  if (range !== undefined)
    return ((BigInt(`0x${bytes.subarray(0, 8).toString('hex')}`) % range) + 1n).toString();
  return bytes.toString('hex').slice(0, Math.min(max, 64));
}

function asUuid(bytes: Buffer): string {
  const hex = Buffer.from(bytes.subarray(0, 16));
  // Version 4 / RFC 4122 variant bits, so the value reads as a well-formed UUID.
  hex[6] = ((hex[6] ?? 0) & 0x0f) | 0x40;
  hex[8] = ((hex[8] ?? 0) & 0x3f) | 0x80;
  const h = hex.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * What a `hash` or `random` mask writes into a column: hex text of a known length (cut to the
 * column's length, at most 64), a UUID (version 4, RFC 4122 variant), or an integer.
 */
export type MaskShape = { readonly hexLength: number } | 'uuid' | 'integer';

/** The {@link MaskShape} of a PostgreSQL column (see {@link maskValue}); undefined where none is made. */
export function pgMaskShape(column: PgColumn): MaskShape | undefined {
  if (column.castType === 'uuid') return 'uuid';
  if (column.castType in INTEGER_RANGES) return 'integer';
  if (column.category === 'S') return { hexLength: Math.min(maxLengthOf(column) ?? 64, 64) };
  return undefined;
}

const MASKED_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * Whether a value is what `mask` writes: exactly null or the redaction text, or for `hash` and
 * `random` a value of the column's {@link MaskShape} — hex text of exactly the length the mask
 * writes (a `character(n)` column's padding aside), a version-4 UUID, an integer — or null, where
 * the original was null. A row whose unmasked columns are unchanged and whose masked columns are
 * all masked counts as already masked (a redelivery); anything else is a change since discovery.
 * Without a shape (an older caller), any hex string, UUID or integer is taken as masked.
 */
export function looksMasked(
  mask: PlannedMask,
  value: CanonicalValue | undefined,
  shape?: MaskShape,
): boolean {
  if (value === null || value === undefined) return mask.strategy !== 'redact';
  switch (mask.strategy) {
    case 'null':
      return false;
    case 'redact':
      return value === mask.text;
    default:
      if (shape === 'integer')
        return (
          (typeof value === 'number' && Number.isInteger(value)) ||
          (typeof value === 'string' && /^\d+$/.test(value))
        );
      if (typeof value !== 'string')
        return shape === undefined && typeof value === 'number' && Number.isInteger(value);
      if (shape === 'uuid') return MASKED_UUID.test(value);
      if (shape !== undefined) {
        const text = value.replace(/ +$/, '');
        return text.length === shape.hexLength && /^[0-9a-f]+$/.test(text);
      }
      return /^(?:[0-9a-f]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+)$/.test(value);
  }
}
