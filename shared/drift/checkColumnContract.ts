import type { PgColumn } from '../postgres/readPgCatalog';
import {
  describeMirrorType,
  type MirrorTypeFamily,
  mirrorTypeFamily,
  SNOWFLAKE_MAX_PRECISION,
  SNOWFLAKE_MAX_TEXT_LENGTH,
} from '../snowflake/mirrorColumnType';
import type { SnowflakeColumn } from '../snowflake/SnowflakeColumn';
import type { DriftKind } from './DriftVerdict';
import { type SourceColumnType, sourceColumnType } from './sourceColumnType';

/** A broken type contract between one source column and its mirror column. */
export interface ContractBreach {
  readonly kind: DriftKind;
  readonly detail: string;
  readonly corrupting: boolean;
}

/** The mirror families that can hold each source type without loss, beyond the narrowing checks. */
const ACCEPTS: Record<SourceColumnType['kind'], readonly MirrorTypeFamily[]> = {
  text: ['TEXT'],
  uuid: ['TEXT'],
  integer: ['NUMBER'],
  numeric: ['NUMBER', 'TEXT'], // wider than NUMBER(38) is carried as decimal text
  money: ['NUMBER', 'TEXT'],
  float: ['FLOAT'],
  bool: ['BOOLEAN'],
  date: ['DATE'],
  time: ['TIME'],
  timestamp: ['TIMESTAMP_NTZ'],
  timestamptz: ['TIMESTAMP_TZ', 'TIMESTAMP_LTZ'],
  json: ['VARIANT', 'OBJECT', 'ARRAY'],
  bytea: ['BINARY'],
  array: ['ARRAY', 'VARIANT'],
  other: ['TEXT'],
};

/**
 * Checks that a mirror column can hold every value of its source column unchanged, following the
 * PostgreSQL → Snowflake mapping replication tools use (text → VARCHAR of at least the source
 * length, numeric(p,s) → NUMBER(p,s), timestamptz → TIMESTAMP_TZ, jsonb → VARIANT, bytea → BINARY).
 * Returns the breach, or undefined when the contract holds. Every breach here changes or loses
 * values, so all are corrupting.
 */
export function checkColumnContract(
  source: Pick<PgColumn, 'typeName' | 'category'>,
  mirror: SnowflakeColumn,
): ContractBreach | undefined {
  const type = sourceColumnType(source);
  const family = mirrorTypeFamily(mirror.dataType);
  const lands = `${source.typeName} lands in ${describeMirrorType(mirror)}`;
  const breach = (kind: DriftKind, why: string): ContractBreach => ({
    kind,
    detail: `${lands}: ${why}`,
    corrupting: true,
  });

  if (type.kind === 'json' && !ACCEPTS.json.includes(family))
    return breach('json_not_variant', 'JSON documents belong in VARIANT, OBJECT or ARRAY');
  if (type.kind === 'timestamptz' && family === 'TIMESTAMP_NTZ')
    return breach('zone_lost', 'the instant loses its time zone');
  if (type.kind === 'integer' && family === 'FLOAT')
    return breach('integer_to_float', 'integers pass through a double');
  if ((type.kind === 'numeric' || type.kind === 'money') && family === 'FLOAT')
    return breach('number_narrowed', 'exact digits pass through a double');
  if (!ACCEPTS[type.kind].includes(family))
    return breach('incompatible_type', `${describeMirrorType(mirror)} cannot hold ${source.typeName}`);

  if (family === 'TEXT' && mirror.length !== undefined) {
    const needed =
      type.kind === 'uuid'
        ? 36
        : type.kind === 'text' && type.length !== undefined
          ? type.length
          : type.kind === 'numeric' || type.kind === 'money'
            ? undefined // any decimal text fits the lengths replication tools use
            : SNOWFLAKE_MAX_TEXT_LENGTH;
    if (needed !== undefined && mirror.length < needed)
      return breach('text_narrowed', `values up to ${needed} characters may be cut`);
  }
  if (family === 'NUMBER' && mirror.precision !== undefined) {
    const precision = mirror.precision;
    const scale = mirror.scale ?? 0;
    const integerDigits = precision - scale;
    if (type.kind === 'integer' && integerDigits < type.digits)
      return breach('number_narrowed', `integers need ${type.digits} integer digits`);
    if (type.kind === 'numeric') {
      if (type.precision === undefined) {
        if (precision < SNOWFLAKE_MAX_PRECISION)
          return breach(
            'number_narrowed',
            `unconstrained numeric needs NUMBER(${SNOWFLAKE_MAX_PRECISION},s)`,
          );
      } else if (scale < type.scale) {
        return breach('number_narrowed', `${type.scale} fractional digits do not fit in ${scale}`);
      } else if (precision < type.precision || integerDigits < type.precision - type.scale) {
        return breach('number_narrowed', `${type.precision - type.scale} integer digits do not fit`);
      }
    }
  }
  return undefined;
}
