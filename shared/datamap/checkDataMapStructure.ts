import type { DataMap } from './dataMapSchema';

type Path = (string | number)[];

/**
 * Cross-field checks the schema cannot express: identity kinds are declared, tables appear once,
 * follow edges point at tables in the map, key and link columns are not excluded, and every table
 * can be reached from some identity. Returns problems; an empty list means the map is sound.
 */
export function checkDataMapStructure(map: DataMap): { path: Path; message: string }[] {
  const problems: { path: Path; message: string }[] = [];
  const kinds = Object.keys(map.identities);
  if (kinds.length === 0)
    problems.push({ path: ['identities'], message: 'declare at least one identity kind' });

  const systems = [
    { system: 'postgres' as const, tables: map.postgres },
    { system: 'snowflake' as const, tables: map.snowflake },
  ];
  for (const { system, tables } of systems) {
    const names = tables.map((t) => t.table);
    tables.forEach((table, i) => {
      if (names.indexOf(table.table) !== i) {
        problems.push({ path: [system, i, 'table'], message: `${table.table} appears more than once` });
      }
      for (const kind of Object.keys(table.identities)) {
        if (!kinds.includes(kind)) {
          problems.push({
            path: [system, i, 'identities', kind],
            message: `unknown identity kind "${kind}"; declared kinds: ${kinds.join(', ') || '(none)'}`,
          });
        }
      }
      for (const [column, target] of Object.entries(table.follow)) {
        const targetTable = target.slice(0, target.lastIndexOf('.'));
        if (!names.includes(targetTable)) {
          problems.push({
            path: [system, i, 'follow', column],
            message: `follows ${targetTable}, which is not a ${system} table of this data map`,
          });
        }
      }
      // The first role a column plays names it in the message.
      const linked = new Map<string, string>();
      const roles: [string, string][] = [
        ...table.primaryKey.map((c): [string, string] => [c, 'a primary-key column']),
        ...Object.values(table.identities).map((c): [string, string] => [c, 'an identity column']),
        ...Object.keys(table.follow).map((c): [string, string] => [c, 'a follow column']),
        ...tables.flatMap((other) =>
          Object.values(other.follow)
            .filter((ref) => ref.startsWith(`${table.table}.`))
            .map((ref): [string, string] => [
              ref.slice(table.table.length + 1),
              'the target of a follow edge',
            ]),
        ),
      ];
      for (const [column, role] of roles) if (!linked.has(column)) linked.set(column, role);
      table.exclude.forEach((column, j) => {
        const role = linked.get(column);
        if (role)
          problems.push({
            path: [system, i, 'exclude', j],
            message: `${column} is ${role}: it cannot be excluded`,
          });
      });
    });
  }

  // Reachability: a table is searched when it maps an identity kind, or follows a reachable table.
  const all = systems.flatMap(({ system, tables }) => tables.map((t, i) => ({ system, i, t })));
  const reachable = new Set(
    all.filter(({ t }) => Object.keys(t.identities).length > 0).map(({ t }) => t.table),
  );
  for (let changed = true; changed; ) {
    changed = false;
    for (const { t } of all) {
      if (reachable.has(t.table)) continue;
      if (Object.values(t.follow).some((ref) => reachable.has(ref.slice(0, ref.lastIndexOf('.'))))) {
        reachable.add(t.table);
        changed = true;
      }
    }
  }
  for (const { system, i, t } of all) {
    if (!reachable.has(t.table)) {
      problems.push({
        path: [system, i],
        message: `${t.table} maps no identity and follows no reachable table, so no subject can reach it`,
      });
    }
  }
  return problems;
}
