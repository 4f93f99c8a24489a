import { BUILTIN_ARRAYS, BUILTIN_SCALARS, type PgTypeInfo } from './PgTypeInfo';

/** Runs a catalog query; supplied by {@link PgDatabase} so this module stays free of pool details. */
export type CatalogQuery = <R>(sql: string, params: unknown[]) => Promise<R[]>;

interface PgTypeRow {
  oid: string;
  typtype: string;
  typbasetype: string;
  typelem: string;
  typcategory: string;
}

/**
 * Resolves column type OIDs to {@link PgTypeInfo}. Built-ins are known; domains, enums, user arrays
 * and extension types are looked up once in `pg_type` and cached for the life of the pool.
 */
export class PgTypeRegistry {
  private readonly cache = new Map<number, PgTypeInfo>();

  constructor(private readonly query: CatalogQuery) {}

  /** Resolves every OID in the list; unknown ones in one catalog query. */
  async resolveAll(oids: readonly number[]): Promise<PgTypeInfo[]> {
    const missing = [...new Set(oids)].filter((oid) => this.known(oid) === undefined);
    if (missing.length > 0) await this.load(missing);
    return oids.map((oid) => this.known(oid) ?? { oid, kind: 'text' });
  }

  /** Every OID's type when all are known without a query (built-in or resolved before), else undefined. */
  cachedAll(oids: readonly number[]): PgTypeInfo[] | undefined {
    const types: PgTypeInfo[] = [];
    for (const oid of oids) {
      const type = this.known(oid);
      if (type === undefined) return undefined;
      types.push(type);
    }
    return types;
  }

  private known(oid: number): PgTypeInfo | undefined {
    const builtin = BUILTIN_SCALARS.get(oid);
    if (builtin) return builtin;
    const element = BUILTIN_ARRAYS.get(oid);
    if (element !== undefined) {
      return { oid, kind: 'array', element: BUILTIN_SCALARS.get(element) ?? { oid: element, kind: 'text' } };
    }
    return this.cache.get(oid);
  }

  private async load(oids: number[], depth = 0): Promise<void> {
    const rows = await this.query<PgTypeRow>(
      'SELECT oid::int8::text AS oid, typtype::text, typbasetype::int8::text AS typbasetype, typelem::int8::text AS typelem, typcategory::text FROM pg_catalog.pg_type WHERE oid = ANY($1::oid[])',
      [oids.map(String)],
    );
    const dependencies = rows
      .flatMap((r) => [Number(r.typbasetype), Number(r.typelem)])
      .filter((oid) => oid !== 0 && this.known(oid) === undefined);
    if (dependencies.length > 0 && depth < 4) await this.load(dependencies, depth + 1);
    for (const row of rows) {
      const oid = Number(row.oid);
      if (row.typtype === 'd') {
        this.cache.set(oid, { ...(this.known(Number(row.typbasetype)) ?? { kind: 'text' }), oid });
      } else if (row.typcategory === 'A' && row.typelem !== '0') {
        const elementOid = Number(row.typelem);
        this.cache.set(oid, {
          oid,
          kind: 'array',
          element: this.known(elementOid) ?? { oid: elementOid, kind: 'text' },
        });
      } else {
        this.cache.set(oid, { oid, kind: 'text' });
      }
    }
  }
}
