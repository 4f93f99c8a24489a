import type { PgCatalog, PgColumn, PgTable } from '../../../shared/postgres/readPgCatalog';

const TYPES: Record<string, { category: string; castType: string }> = {
  int: { category: 'N', castType: 'integer' },
  bigint: { category: 'N', castType: 'bigint' },
  text: { category: 'S', castType: 'text' },
  uuid: { category: 'U', castType: 'uuid' },
  timestamptz: { category: 'D', castType: 'timestamp with time zone' },
};

/** A catalog table from `name type` pairs: `table('app.orders', ['id', 'customer_id int'], ['id'])`. */
export function table(
  qualified: string,
  columns: readonly string[],
  primaryKey?: readonly string[],
  uniqueKeys: readonly (readonly string[])[] = [],
): PgTable {
  const [schema = '', name = ''] = qualified.split('.');
  return {
    schema,
    name,
    primaryKey,
    uniqueKeys,
    columns: columns.map((spec, i): PgColumn => {
      const [column = '', type = 'int'] = spec.split(' ');
      const t = TYPES[type] ?? { category: 'X', castType: type };
      return {
        name: column,
        ordinal: i + 1,
        typeOid: 0,
        typeName: t.castType,
        castType: t.castType,
        category: t.category,
        notNull: false,
      };
    }),
  };
}

export function catalogOf(tables: readonly PgTable[]): PgCatalog {
  return { tables: new Map(tables.map((t) => [`${t.schema}.${t.name}`, t])) };
}
