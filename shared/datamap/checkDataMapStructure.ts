import {
  type DataMap,
  type PostgresTableSpec,
  SHARED_SETTINGS,
  type SnowflakeTableSpec,
} from './dataMapSchema';
import { parseColumnRef } from './parseColumnRef';
import type { System } from './System';

type Path = (string | number)[];
type TableSpec = PostgresTableSpec | SnowflakeTableSpec;

/** Every table of the map with its system and index, in the map's order. */
export function tablesOf(map: DataMap): { system: System; i: number; spec: TableSpec }[] {
  return [
    ...map.postgres.map((spec, i) => ({ system: 'postgres' as const, i, spec: spec as TableSpec })),
    ...map.snowflake.map((spec, i) => ({ system: 'snowflake' as const, i, spec: spec as TableSpec })),
  ];
}

/** The refs, across the whole map, that point at a column of `table` in `system`. */
export function followersOf(map: DataMap, system: System, table: string): string[] {
  return [
    ...new Set(
      tablesOf(map).flatMap(({ spec }) =>
        Object.values(spec.follow)
          .flat()
          .filter((ref) => {
            const target = parseColumnRef(ref);
            return target.system === system && target.table === table;
          }),
      ),
    ),
  ].sort();
}

/**
 * Cross-field checks the schema cannot express: identity kinds are declared and learned kinds are
 * mapped, tables appear once, follow edges point at tables in the map (in either system), key and
 * link columns are neither excluded nor left out of a `columns` allow-list, categories name returned
 * columns, and every table can be reached from some identity. Returns problems; an empty list means
 * the map is sound.
 */
export function checkDataMapStructure(map: DataMap): { path: Path; message: string }[] {
  const problems: { path: Path; message: string }[] = [];
  const kinds = Object.keys(map.identities);
  if (kinds.length === 0)
    problems.push({ path: ['identities'], message: 'declare at least one identity kind' });

  const all = tablesOf(map);
  const known = new Set(all.map(({ system, spec }) => `${system}:${spec.table}`));
  const seen = new Set<string>();
  for (const { system, i, spec: table } of all) {
    if (seen.has(`${system}:${table.table}`)) {
      problems.push({ path: [system, i, 'table'], message: `${table.table} appears more than once` });
    }
    seen.add(`${system}:${table.table}`);
    for (const kind of Object.keys(table.identities)) {
      if (!kinds.includes(kind)) {
        problems.push({
          path: [system, i, 'identities', kind],
          message: `unknown identity kind "${kind}"; declared kinds: ${kinds.join(', ') || '(none)'}`,
        });
      }
    }
    table.learn.forEach((kind, j) => {
      if (!(kind in table.identities))
        problems.push({
          path: [system, i, 'learn', j],
          message: `learns identity kind "${kind}", which this table does not map in identities`,
        });
    });
    for (const [column, refs] of Object.entries(table.follow)) {
      refs.forEach((ref, j) => {
        const target = parseColumnRef(ref);
        if (!known.has(`${target.system}:${target.table}`)) {
          problems.push({
            path: [system, i, 'follow', column, ...(refs.length > 1 ? [j] : [])],
            message: `follows ${target.table}, which is not a ${target.system} table of this data map`,
          });
        }
      });
    }
    for (const column of Object.keys(table.followWhere)) {
      if (system !== 'postgres')
        problems.push({
          path: [system, i, 'followWhere', column],
          message: 'followWhere is read for PostgreSQL tables only',
        });
      else if (!(column in table.follow))
        problems.push({
          path: [system, i, 'followWhere', column],
          message: `${column} is not a follow column of ${table.table}: followWhere narrows the rows a follow edge reaches`,
        });
    }
    // The first role a column plays names it in the message.
    const linked = new Map<string, string>();
    const roles: [string, string][] = [
      ...table.primaryKey.map((c): [string, string] => [c, 'a primary-key column']),
      ...Object.values(table.identities)
        .flat()
        .map((c): [string, string] => [c, 'an identity column']),
      ...Object.keys(table.follow).map((c): [string, string] => [c, 'a follow column']),
      // It decides which rows a follow reaches and whose they are: read from every returned row.
      ...Object.values(table.followWhere).flatMap((condition) =>
        Object.keys(condition).map((c): [string, string] => [c, 'a followWhere column']),
      ),
      ...followersOf(map, system, table.table).map((ref): [string, string] => [
        parseColumnRef(ref).column,
        'the target of a follow edge',
      ]),
    ];
    for (const [column, role] of roles) if (!linked.has(column)) linked.set(column, role);
    table.exclude.forEach((column, j) => {
      const role = linked.get(column);
      if (role)
        problems.push({
          path: [system, i, 'exclude', j],
          message: `${column} is ${role}: it cannot be excluded`,
        });
      if (table.columns?.includes(column))
        problems.push({
          path: [system, i, 'exclude', j],
          message: `${column} is both in columns and excluded; keep it in one of them`,
        });
    });
    if (table.columns) {
      const allowed = new Set(table.columns);
      for (const [column, role] of linked)
        if (!allowed.has(column))
          problems.push({
            path: [system, i, 'columns'],
            message: `${column} is ${role}: add it to columns`,
          });
    }
    if (table.erasure?.action === 'mask') {
      const returnedColumn = (c: string) =>
        table.columns ? table.columns.includes(c) : !table.exclude.includes(c);
      for (const column of Object.keys(table.erasure.columns)) {
        const path = [system, i, 'erasure', 'columns', column];
        const role = linked.get(column);
        if (role === 'a primary-key column' || role === 'the target of a follow edge')
          problems.push({
            path,
            message: `${column} is ${role}: it cannot be masked; erase the row with action: delete`,
          });
        else if (!returnedColumn(column))
          problems.push({
            path,
            message: `${column} is not returned (${table.columns ? 'not in columns' : 'excluded'}), so erasure cannot check it`,
          });
      }
      if (table.primaryKey.length === 0)
        problems.push({
          path: [system, i, 'erasure', 'action'],
          message: `${table.table} has no primaryKey: its rows can be deleted or retained, not masked`,
        });
    }
    const rule = table.erasure;
    if (rule && rule.action !== 'retain') {
      if ('triggers' in rule && rule.triggers && system === 'snowflake')
        problems.push({
          path: [system, i, 'erasure', 'triggers'],
          message: 'triggers are acknowledged on PostgreSQL tables only',
        });
      problems.push(...sharedRuleProblems(system, i, table));
    }
    for (const column of Object.keys(table.categories)) {
      const returned = table.columns ? table.columns.includes(column) : !table.exclude.includes(column);
      if (!returned)
        problems.push({
          path: [system, i, 'categories', column],
          message: `${column} is not returned (${table.columns ? 'not in columns' : 'excluded'}), so it has no category`,
        });
    }
  }

  // Reachability: a table is searched when it maps an identity kind, or follows a reachable table.
  const reachable = new Set(
    all
      .filter(({ spec }) => Object.keys(spec.identities).length > 0)
      .map(({ system, spec }) => `${system}:${spec.table}`),
  );
  for (let changed = true; changed; ) {
    changed = false;
    for (const { system, spec } of all) {
      if (reachable.has(`${system}:${spec.table}`)) continue;
      const refs = Object.values(spec.follow).flat().map(parseColumnRef);
      if (refs.some((ref) => reachable.has(`${ref.system}:${ref.table}`))) {
        reachable.add(`${system}:${spec.table}`);
        changed = true;
      }
    }
  }
  for (const { system, i, spec } of all) {
    if (!reachable.has(`${system}:${spec.table}`)) {
      problems.push({
        path: [system, i],
        message:
          `${spec.table} maps no identity and follows no reachable table, so no subject can reach it and its rows will never be found` +
          wrongWayRound(all, reachable, system, spec.table),
      });
    }
  }
  return problems;
}

/**
 * The `shared:` setting and `parties` of a table's erasure rule, the same for PostgreSQL and
 * Snowflake tables: `mask-own` masks a party's columns, so it needs `action: mask` and `parties`;
 * every identity column belongs to exactly one party, and a party's columns are returned.
 */
function sharedRuleProblems(system: System, i: number, table: TableSpec): { path: Path; message: string }[] {
  const rule = table.erasure;
  if (!rule || rule.action === 'retain') return [];
  const problems: { path: Path; message: string }[] = [];
  const at = (...rest: (string | number)[]) => [system, i, 'erasure', ...rest];
  const shared = 'shared' in rule ? rule.shared : undefined;
  const parties = 'parties' in rule ? rule.parties : undefined;
  if (shared !== undefined && !(SHARED_SETTINGS as readonly string[]).includes(shared))
    problems.push({
      path: at('shared'),
      message: `shared: ${shared} is not a setting: use retain (the default: keep rows shared with other people and report them), erase (change them anyway) or mask-own (mask the subject's party only)`,
    });
  else if (shared === 'mask-own' && rule.action !== 'mask')
    problems.push({
      path: at('shared'),
      message:
        "shared: mask-own masks the subject's own columns of a shared row, so it needs action: mask (with each column's strategy) and parties; use shared: retain or erase with action: delete",
    });
  else if (shared === 'mask-own' && !parties)
    problems.push({
      path: at('shared'),
      message:
        'shared: mask-own needs parties, the columns of each person a row mentions, e.g. parties: { sender: [sender_email, sender_name], recipient: [recipient_email, recipient_name] }',
    });
  if (!parties) return problems;
  const returned = (c: string) => (table.columns ? table.columns.includes(c) : !table.exclude.includes(c));
  const owner = new Map<string, string>();
  for (const [party, columns] of Object.entries(parties))
    for (const column of columns) {
      const other = owner.get(column);
      if (other)
        problems.push({
          path: at('parties', party),
          message: `${column} is in parties ${other} and ${party}: a column belongs to one party`,
        });
      else owner.set(column, party);
      if (!returned(column))
        problems.push({
          path: at('parties', party),
          message: `${column} is not returned (${table.columns ? 'not in columns' : 'excluded'}), so erasure cannot tell whose it is`,
        });
    }
  for (const [kind, columns] of Object.entries(table.identities))
    for (const column of columns)
      if (!owner.has(column))
        problems.push({
          path: at('parties'),
          message: `${column} (identity ${kind}) is in no party: list every identity column under the party it identifies`,
        });
  return problems;
}

/** The tables of the map that have no erasure rule: erasure leaves them untouched and reports them. */
export function tablesWithoutErasureRule(map: DataMap): { system: System; table: string }[] {
  return tablesOf(map)
    .filter(({ spec }) => spec.erasure === undefined)
    .map(({ system, spec }) => ({ system, table: spec.table }));
}

/**
 * A hint for an unreachable table that a reachable table follows: the edge was most likely
 * written the wrong way round (`customer` following `address.id` instead of `address.id`
 * following `customer.address_id`), which reaches nothing new from the table it is written on.
 */
function wrongWayRound(
  all: readonly { system: System; spec: TableSpec }[],
  reachable: ReadonlySet<string>,
  system: System,
  table: string,
): string {
  for (const { system: fromSystem, spec } of all) {
    if (!reachable.has(`${fromSystem}:${spec.table}`)) continue;
    for (const [column, refs] of Object.entries(spec.follow))
      for (const ref of refs) {
        const target = parseColumnRef(ref);
        if (target.system !== system || target.table !== table) continue;
        const back = `${spec.table}.${column}`;
        return (
          `. ${spec.table} follows ${ref}, which looks written the wrong way round: a follow edge searches the table it is written on. ` +
          `To find the ${table} rows that ${spec.table} points at, write on ${table}: follow: { ${target.column}: ${back} }, and remove it from ${spec.table}`
        );
      }
  }
  return '';
}
