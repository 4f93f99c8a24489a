import type { PgColumn } from '../postgres/readPgCatalog';

/** A PostgreSQL column's type, reduced to what a mirror has to preserve. */
export type SourceColumnType =
  | { readonly kind: 'text'; readonly length: number | undefined }
  | { readonly kind: 'uuid' }
  | { readonly kind: 'integer'; readonly digits: number }
  | { readonly kind: 'numeric'; readonly precision: number | undefined; readonly scale: number }
  | { readonly kind: 'money' }
  | { readonly kind: 'float' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'date' }
  | { readonly kind: 'time' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'timestamptz' }
  | { readonly kind: 'json' }
  | { readonly kind: 'bytea' }
  | { readonly kind: 'array' }
  /** Anything else (interval, enum, inet, …): carried as PostgreSQL's text. */
  | { readonly kind: 'other' };

const INTEGER_DIGITS: Record<string, number> = { smallint: 5, integer: 10, bigint: 19 };

/** Reads `format_type`'s spelling (`character varying(255)`, `numeric(38,18)`, …) of a column's type. */
export function sourceColumnType(column: Pick<PgColumn, 'typeName' | 'category'>): SourceColumnType {
  const type = column.typeName;
  if (type.endsWith('[]')) return { kind: 'array' };
  const digits = INTEGER_DIGITS[type];
  if (digits !== undefined) return { kind: 'integer', digits };
  const text = /^(?:character varying|character|bpchar|varchar)(?:\((\d+)\))?$/.exec(type);
  if (text) return { kind: 'text', length: text[1] === undefined ? undefined : Number(text[1]) };
  if (type === 'text' || type === 'name' || type === 'citext') return { kind: 'text', length: undefined };
  const numeric = /^numeric(?:\((\d+)(?:,(\d+))?\))?$/.exec(type);
  if (numeric) {
    return numeric[1] === undefined
      ? { kind: 'numeric', precision: undefined, scale: 0 }
      : { kind: 'numeric', precision: Number(numeric[1]), scale: Number(numeric[2] ?? 0) };
  }
  if (/^timestamp(?:\(\d\))? with time zone$/.test(type)) return { kind: 'timestamptz' };
  if (/^timestamp(?:\(\d\))?(?: without time zone)?$/.test(type)) return { kind: 'timestamp' };
  if (/^time(?:\(\d\))?(?: with(?:out)? time zone)?$/.test(type)) return { kind: 'time' };
  switch (type) {
    case 'real':
    case 'double precision':
      return { kind: 'float' };
    case 'boolean':
      return { kind: 'bool' };
    case 'date':
      return { kind: 'date' };
    case 'json':
    case 'jsonb':
      return { kind: 'json' };
    case 'bytea':
      return { kind: 'bytea' };
    case 'uuid':
      return { kind: 'uuid' };
    case 'money':
      return { kind: 'money' };
    default:
      // A domain over text keeps its base type's category.
      return column.category === 'S' ? { kind: 'text', length: undefined } : { kind: 'other' };
  }
}
