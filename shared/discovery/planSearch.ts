import type { DataMap } from '../datamap/dataMapSchema';
import type { SearchableTable, SearchInput, SearchOutput, System } from './SearchableTable';

export const identityKey = (kind: string): string => `identity:${kind}`;
export const columnKey = (system: System, columnRef: string): string => `column:${system}:${columnRef}`;

/**
 * Turns the data map into the traversal's tables: identity columns are both searched and harvested;
 * a `follow` edge is searched with the values harvested from the column it points at.
 */
export function planSearch(map: DataMap): SearchableTable[] {
  const sections: { system: System; tables: DataMap['postgres'] | DataMap['snowflake'] }[] = [
    { system: 'postgres', tables: map.postgres },
    { system: 'snowflake', tables: map.snowflake },
  ];
  return sections.flatMap(({ system, tables }) =>
    tables.map((spec): SearchableTable => {
      const identities = Object.entries(spec.identities).map(([kind, column]) => ({
        valueKey: identityKey(kind),
        column,
        normalize: map.identities[kind]?.normalize ?? 'none',
      }));
      const follows: SearchInput[] = Object.entries(spec.follow).map(([column, target]) => ({
        valueKey: columnKey(system, target),
        column,
        normalize: 'none',
      }));
      const followed: SearchOutput[] = [
        ...new Set(
          tables.flatMap((other) =>
            Object.values(other.follow).filter((ref) => ref.slice(0, ref.lastIndexOf('.')) === spec.table),
          ),
        ),
      ].map((ref) => ({
        valueKey: columnKey(system, ref),
        column: ref.slice(spec.table.length + 1),
        normalize: 'none',
      }));
      return {
        system,
        table: spec.table,
        primaryKey: spec.primaryKey,
        exclude: spec.exclude,
        inputs: [...identities, ...follows],
        outputs: [...identities, ...followed],
      };
    }),
  );
}
