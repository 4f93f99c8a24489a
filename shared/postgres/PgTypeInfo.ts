/** How a PostgreSQL type is turned into canonical form. */
export type PgTypeKind =
  | 'int' // int2, int4: JSON number
  | 'int8' // exact digits as a string
  | 'exact' // numeric, money: exact digits as a string
  | 'float' // float4, float8: JSON number, NaN/Infinity as strings
  | 'bool'
  | 'timestamptz'
  | 'timestamp'
  | 'date'
  | 'uuid'
  | 'bytea'
  | 'json'
  | 'array'
  | 'text'; // everything else: PostgreSQL's own text

/** A resolved PostgreSQL type: its kind and, for arrays, the element type. */
export interface PgTypeInfo {
  readonly oid: number;
  readonly kind: PgTypeKind;
  readonly element?: PgTypeInfo;
}

const scalar = (oid: number, kind: PgTypeKind): PgTypeInfo => ({ oid, kind });

/** Built-in scalar types by OID (`pg_type.oid`, stable across PostgreSQL versions). */
export const BUILTIN_SCALARS: ReadonlyMap<number, PgTypeInfo> = new Map(
  [
    scalar(21, 'int'),
    scalar(23, 'int'),
    scalar(20, 'int8'),
    scalar(1700, 'exact'),
    scalar(790, 'exact'),
    scalar(700, 'float'),
    scalar(701, 'float'),
    scalar(16, 'bool'),
    scalar(1184, 'timestamptz'),
    scalar(1114, 'timestamp'),
    scalar(1082, 'date'),
    scalar(2950, 'uuid'),
    scalar(17, 'bytea'),
    scalar(114, 'json'),
    scalar(3802, 'json'),
    scalar(25, 'text'),
    scalar(1043, 'text'),
  ].map((t) => [t.oid, t]),
);

/** Built-in array types: array OID → element OID. */
export const BUILTIN_ARRAYS: ReadonlyMap<number, number> = new Map([
  [1005, 21],
  [1007, 23],
  [1016, 20],
  [1231, 1700],
  [791, 790],
  [1021, 700],
  [1022, 701],
  [1000, 16],
  [1185, 1184],
  [1115, 1114],
  [1182, 1082],
  [2951, 2950],
  [1001, 17],
  [199, 114],
  [3807, 3802],
  [1009, 25],
  [1015, 1043],
]);
