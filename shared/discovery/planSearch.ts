import { followersOf } from '../datamap/checkDataMapStructure';
import type { DataMap } from '../datamap/dataMapSchema';
import { parseColumnRef } from '../datamap/parseColumnRef';
import type { System } from '../datamap/System';
import type { SearchableTable, SearchInput, SearchOutput } from './SearchableTable';

export const identityKey = (kind: string): string => `identity:${kind}`;
export const columnKey = (system: System, columnRef: string): string => `column:${system}:${columnRef}`;

export interface PlanOptions {
  /**
   * Also search each PostgreSQL table's Snowflake `mirror`, as the table itself is searched (same
   * identities, learning and follow edges), with the column names upper-cased as replication
   * creates them. Finds the copies of the subject's rows in the warehouse. @default false
   */
  readonly mirrors?: boolean;
}

/**
 * Turns the data map into the traversal's tables. Every identity column and follow column is
 * searched. Only declared sources widen the search: the identity kinds a table `learn`s (the values
 * of every column mapped to them, in found rows) and the columns other tables `follow` (their
 * values feed those edges, in whichever system the follower lives). Nothing else is harvested: a
 * row found through one identity is about the subject, the other identifiers in it need not be.
 */
export function planSearch(map: DataMap, options: PlanOptions = {}): SearchableTable[] {
  const copied = new Map(
    map.postgres.flatMap((spec) => (spec.mirror ? [[spec.mirror, spec.table] as const] : [])),
  );
  // A Snowflake table the map also lists as its own entry may be a PostgreSQL table's mirror.
  const plan = planSections(map).map((t) => {
    const copyOf = t.system === 'snowflake' ? copied.get(t.table) : undefined;
    return copyOf ? { ...t, copyOf } : t;
  });
  if (!options.mirrors) return plan;
  const upper = <T extends { column: string }>(io: T): T => ({ ...io, column: io.column.toUpperCase() });
  const mirrors = map.postgres.flatMap((spec) => {
    const source = plan.find((t) => t.system === 'postgres' && t.table === spec.table);
    if (!spec.mirror || !source) return [];
    return [
      {
        system: 'snowflake' as const,
        table: spec.mirror,
        primaryKey: source.primaryKey.map((c) => c.toUpperCase()),
        ...(source.columns ? { columns: source.columns.map((c) => c.toUpperCase()) } : {}),
        exclude: source.exclude.map((c) => c.toUpperCase()),
        inputs: source.inputs.map(upper),
        outputs: source.outputs.map(upper),
        ...(source.personTable ? { personTable: true as const } : {}),
        copyOf: spec.table,
      },
    ];
  });
  return [...plan, ...mirrors];
}

function planSections(map: DataMap): SearchableTable[] {
  const sections: { system: System; tables: DataMap['postgres'] | DataMap['snowflake'] }[] = [
    { system: 'postgres', tables: map.postgres },
    { system: 'snowflake', tables: map.snowflake },
  ];
  return sections.flatMap(({ system, tables }) =>
    tables.map((spec): SearchableTable => {
      const normalizeOf = (kind: string) => map.identities[kind]?.normalize ?? 'none';
      const regionOf = (kind: string) => {
        const region = map.identities[kind]?.region;
        return region ? { region } : {};
      };
      const identities: SearchInput[] = Object.entries(spec.identities).flatMap(([kind, columns]) =>
        columns.map((column) => ({
          valueKey: identityKey(kind),
          column,
          normalize: normalizeOf(kind),
          ...regionOf(kind),
          reason: { via: 'identity' as const, identity: kind },
        })),
      );
      const follows: SearchInput[] = Object.entries(spec.follow).flatMap(([column, refs]) =>
        refs.map((ref) => {
          const target = parseColumnRef(ref);
          return {
            valueKey: columnKey(target.system, ref),
            column,
            normalize: 'none' as const,
            reason: { via: 'follow' as const, from: `${target.system}:${target.table}.${target.column}` },
            ...whereOf(spec.followWhere[column]),
          };
        }),
      );
      const learned: SearchOutput[] = spec.learn.flatMap((kind) =>
        (spec.identities[kind] ?? []).map((column) => ({
          valueKey: identityKey(kind),
          column,
          normalize: normalizeOf(kind),
          ...regionOf(kind),
          learned: { identity: kind },
        })),
      );
      const followers = followersOf(map, system, spec.table);
      const followed: SearchOutput[] = followers.map((ref) => ({
        valueKey: columnKey(system, ref),
        column: parseColumnRef(ref).column,
        normalize: 'none',
      }));
      const [key, ...rest] = spec.primaryKey;
      const personTable =
        learned.length > 0 &&
        key !== undefined &&
        rest.length === 0 &&
        (Object.values(spec.identities).some((columns) => columns.includes(key)) ||
          followers.some((ref) => parseColumnRef(ref).column === key));
      return {
        system,
        table: spec.table,
        primaryKey: spec.primaryKey,
        ...(spec.columns ? { columns: spec.columns } : {}),
        exclude: spec.exclude,
        inputs: [...identities, ...follows],
        outputs: [...learned, ...followed],
        ...(personTable ? { personTable: true as const } : {}),
      };
    }),
  );
}

/** A follow column's `followWhere` condition as a search input's `where` (one column). */
function whereOf(condition: Readonly<Record<string, readonly string[]>> | undefined): {
  where?: { column: string; values: readonly string[] };
} {
  const [entry] = Object.entries(condition ?? {});
  if (!entry) return {};
  return { where: { column: entry[0], values: entry[1] } };
}
