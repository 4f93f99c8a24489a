import type { DataMap } from '../datamap/dataMapSchema';
import type { SearchableTable, SearchInput, SearchOutput, System } from './SearchableTable';

export const identityKey = (kind: string): string => `identity:${kind}`;
export const columnKey = (system: System, columnRef: string): string => `column:${system}:${columnRef}`;

export interface PlanOptions {
  /**
   * Also search each PostgreSQL table's Snowflake `mirror`, as the table itself is searched (same
   * identities and follow edges), with the column names upper-cased as replication creates them.
   * Finds the copies of the subject's rows in the warehouse. @default false
   */
  readonly mirrors?: boolean;
}

/**
 * Turns the data map into the traversal's tables: identity columns are both searched and harvested;
 * a `follow` edge is searched with the values harvested from the column it points at.
 */
export function planSearch(map: DataMap, options: PlanOptions = {}): SearchableTable[] {
  const plan = planSections(map);
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
        exclude: source.exclude.map((c) => c.toUpperCase()),
        inputs: source.inputs.map(upper),
        outputs: source.outputs.map(upper),
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
