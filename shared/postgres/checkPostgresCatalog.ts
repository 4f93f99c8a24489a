import { didYouMean } from '../datamap/closeMatches';
import type { DataMap } from '../datamap/dataMapSchema';
import { formatPath } from '../datamap/loadDataMap';
import type { DataMapProblem } from '../errors/errors';
import { discriminatorBeside } from './discriminatorBeside';
import { neverNull, type PgCatalog, type PgColumn, type PgTable } from './readPgCatalog';

/**
 * Checks the data map's PostgreSQL section against the live catalog, before any query runs:
 * every table and column exists, each declared primary key is the table's primary key or a unique
 * index over NOT NULL columns, or for a partitioned table without one the key each of its
 * partitions declares with the columns it is partitioned by, and never the key of a table with
 * child tables by inheritance (otherwise rows could be merged or lost, or changed in another's
 * place; see `whyNotKey`), normalisations apply to
 * text columns, and follow edges join columns of compatible types.
 */
export function checkPostgresCatalog(map: DataMap, catalog: PgCatalog): DataMapProblem[] {
  const problems: DataMapProblem[] = [];
  const add = (path: (string | number)[], message: string) =>
    problems.push({ path: formatPath(path), message });

  map.postgres.forEach((spec, i) => {
    const table = catalog.tables.get(spec.table);
    if (!table) {
      add(
        ['postgres', i, 'table'],
        `table ${spec.table} does not exist.${didYouMean(spec.table, catalog.tables.keys())}`,
      );
      return;
    }
    const column = (path: (string | number)[], name: string): PgColumn | undefined => {
      const found = table.columns.find((c) => c.name === name);
      if (!found) {
        add(
          path,
          `column ${name} does not exist in ${spec.table}.${didYouMean(
            name,
            table.columns.map((c) => c.name),
          )}`,
        );
      }
      return found;
    };

    const keyColumns = spec.primaryKey.map((name, j) => column(['postgres', i, 'primaryKey', j], name));
    // A keyless table (no primaryKey declared) is keyed by its rows' content: nothing to check here.
    // A child table by inheritance, or a partition, of a table the map also names: its rows are
    // read through the parent too.
    const parent = [...catalog.tables].find(
      ([id, t]) =>
        id !== spec.table &&
        (t.inheritedBy?.includes(spec.table) || t.partitions?.some((p) => p.name === spec.table)) &&
        map.postgres.some((s) => s.table === id),
    );
    if (parent)
      add(
        ['postgres', i, 'table'],
        `${spec.table} is ${parent[1].inheritedBy?.includes(spec.table) ? 'a child table' : 'a partition'} of ${parent[0]}${parent[1].inheritedBy?.includes(spec.table) ? ' by inheritance' : ''}, which the data map also names: a search of ${parent[0]} reads its rows, so they would be found twice; remove one of the two entries (the parent's reads both)`,
      );
    const notKey =
      spec.primaryKey.length > 0 && keyColumns.every(Boolean) ? whyNotKey(table, spec.primaryKey) : undefined;
    if (notKey !== undefined)
      add(
        ['postgres', i, 'primaryKey'],
        `[${spec.primaryKey.join(', ')}] ${notKey.replaceAll('$TABLE', spec.table)}`,
      );
    for (const [kind, name] of Object.entries(spec.identities).flatMap(([k, names]) =>
      names.map((n) => [k, n] as const),
    )) {
      const col = column(['postgres', i, 'identities', kind], name);
      const normalize = map.identities[kind]?.normalize ?? 'none';
      const text = col?.category === 'S' || (col?.category === 'A' && col.element?.category === 'S');
      if (col && normalize !== 'none' && !text) {
        add(
          ['postgres', i, 'identities', kind],
          `identity kind ${kind} is normalised (${normalize}), which needs a text column (or an array of text); ${name} is ${col.typeName}`,
        );
      }
      const beside = col && !col.inForeignKey ? discriminatorBeside(table, name) : undefined;
      if (beside)
        add(
          ['postgres', i, 'identities', kind],
          `${spec.table}.${name} sits beside ${beside}, the shape of a reference to rows of several tables, and no foreign key ties it to one: searched as ${kind}, it would find the rows that refer to another table's row with the same id, which may be other people's; map it as a follow with followWhere: { ${name}: { ${beside}: <the value naming that table> } } instead`,
        );
      if (col && normalize === 'lowercase' && col.caseCollation === null)
        add(
          ['postgres', i, 'identities', kind],
          `${spec.table}.${name} is under a Turkish or Azeri collation, whose lower() turns I into ı, so an address written with a capital I would not be found; this server has no ICU root collation (und-x-icu) to lower it under: give the column a collation of another language, or map the kind without normalize: lowercase`,
        );
    }
    spec.exclude.forEach((name, j) => {
      column(['postgres', i, 'exclude', j], name);
    });
    spec.columns?.forEach((name, j) => {
      column(['postgres', i, 'columns', j], name);
    });
    for (const name of Object.keys(spec.categories)) column(['postgres', i, 'categories', name], name);
    // A Snowflake target (DATABASE.SCHEMA.TABLE.COLUMN) is not in this catalog: it is checked there.
    for (const [name, target] of Object.entries(spec.follow).flatMap(([n, refs]) =>
      refs.map((r) => [n, r] as const),
    )) {
      const source = column(['postgres', i, 'follow', name], name);
      const dot = target.lastIndexOf('.');
      const targetTable = catalog.tables.get(target.slice(0, dot));
      const targetColumn = targetTable?.columns.find((c) => c.name === target.slice(dot + 1));
      if (targetTable && !targetColumn) {
        add(
          ['postgres', i, 'follow', name],
          `${target} does not exist.${didYouMean(
            target.slice(dot + 1),
            targetTable.columns.map((c) => c.name),
          )}`,
        );
      }
      if (source && targetColumn && !compatible(source, targetColumn)) {
        add(
          ['postgres', i, 'follow', name],
          `${spec.table}.${name} (${source.typeName}) cannot be compared with ${target} (${targetColumn.typeName})`,
        );
      } else if (source && targetColumn && carriedBlind(targetColumn)) {
        add(
          ['postgres', i, 'follow', name],
          `${target} (${targetColumn.typeName}) cannot be followed: ${carriedBlind(targetColumn)}, so ${spec.table}.${name} would find nothing and say nothing; follow a key or text column instead`,
        );
      } else if (
        targetTable &&
        targetColumn &&
        !targetColumn.inForeignKey &&
        discriminatorBeside(targetTable, targetColumn.name)
      ) {
        add(
          ['postgres', i, 'follow', name],
          `${target} sits beside ${discriminatorBeside(targetTable, targetColumn.name)}, the shape of a reference to rows of several tables, and no foreign key ties it to one: its values are ids of rows of several tables, so following it would reach the rows of ${spec.table} whose ${name} equals the id of another table's row, which may be other people's; follow a column that refers to ${spec.table} alone`,
        );
      } else if (source && targetColumn) {
        const looser = looserComparison(source, targetColumn);
        if (looser)
          add(
            ['postgres', i, 'follow', name],
            `${spec.table}.${name} (${source.typeName}) compares values ${looser} than ${target} (${targetColumn.typeName}) does: a value of another person's row there, which ${target} holds apart from the subject's, would find the same rows here; give both columns one type and collation, or follow from an exact text column`,
          );
      }
    }
    for (const name of Object.keys(spec.follow)) {
      const condition = Object.keys(spec.followWhere[name] ?? {})[0];
      if (condition !== undefined) {
        column(['postgres', i, 'followWhere', name, condition], condition);
        continue;
      }
      const source = table.columns.find((c) => c.name === name);
      const beside = source && !source.inForeignKey ? discriminatorBeside(table, name) : undefined;
      if (beside)
        add(
          ['postgres', i, 'follow', name],
          `${spec.table}.${name} sits beside ${beside}, the shape of a reference to rows of several tables (${beside} naming the table), and no foreign key ties it to one: following it from ${spec.follow[name]?.join(', ')} would also reach the rows that refer to other tables' rows with the same id, which may be other people's; say which rows refer to it, with followWhere: { ${name}: { ${beside}: <the value naming that table> } }, or declare the foreign key if ${beside} does not name a table`,
        );
    }
  });
  return problems;
}

/**
 * Why `columns` do not identify one row of what a search of `table` reads (the text after the
 * columns, `$TABLE` for the table's name), or undefined when they do: the primary key, a unique
 * index over NOT NULL columns, or for a partitioned table without such a key of its own, a key
 * each partition declares (or a part of it) together with every column the table is partitioned
 * by (each partition's key holds within that partition alone). A table with child tables by
 * inheritance has no key: a search of it reads their rows too, and its keys do not hold across them.
 */
function whyNotKey(table: PgTable, columns: readonly string[]): string | undefined {
  const same = (key: readonly string[]) =>
    key.length === columns.length && key.every((c) => columns.includes(c));
  if (table.inheritedBy && table.inheritedBy.length > 0)
    return `cannot be the key of $TABLE: it has child tables by inheritance (${table.inheritedBy.join(', ')}), whose rows a search of it reads too, and no key holds across them, so two rows could share a key and one would be lost or changed in the other's place; declare no primaryKey (rows are then told apart by their content, and an erasure changes each by its table and address)`;
  if (table.primaryKey && same(table.primaryKey)) return undefined;
  if (
    table.uniqueKeys.some(
      (key) =>
        same(key) &&
        key.every((name) => {
          const column = table.columns.find((c) => c.name === name);
          return column !== undefined && neverNull(column);
        }),
    )
  )
    return undefined;
  const lacking = partitionsLacking(table, columns);
  const notKey = `is not the primary key of $TABLE nor a unique index over NOT NULL columns`;
  if (lacking === undefined)
    return `${notKey}${table.primaryKey ? ` (its primary key is [${table.primaryKey.join(', ')}])` : ' (it has no primary key; a unique index left invalid, one whose collation differs from a nondeterministic column collation, and a NOT NULL added NOT VALID do not count)'}`;
  if (lacking.length > 0)
    return `${notKey}, nor a key each of its partitions declares (not in ${lacking.join(', ')})`;
  const by = table.partitionedBy;
  if (!by || by.expression)
    return `${notKey}, and its partitions' keys hold within each partition alone: it is partitioned by an expression, so no key of its partitions tells its rows apart; declare no primaryKey (rows are then told apart by their content)`;
  const missing = by.columns.filter((c) => !columns.includes(c));
  if (missing.length > 0)
    return `${notKey}, and its partitions' keys hold within each partition alone, so two partitions could each hold a row with the same [${columns.join(', ')}]; add the column(s) it is partitioned by (${missing.join(', ')}) to primaryKey`;
  return undefined;
}

/**
 * The partitions of a partitioned table that declare no key within `columns` (a primary key or a
 * unique index over NOT NULL columns); undefined for a table that is not partitioned.
 */
function partitionsLacking(table: PgTable, columns: readonly string[]): string[] | undefined {
  if (!table.partitions || table.partitions.length === 0) return undefined;
  const within = (key: readonly string[]) => key.every((c) => columns.includes(c));
  return table.partitions
    .filter(
      (p) =>
        !(p.primaryKey && within(p.primaryKey)) &&
        !p.uniqueKeys.some((key) => within(key) && key.every((c) => p.notNull.includes(c))),
    )
    .map((p) => p.name);
}

/** Values travel between tables as text; a text column can hold any of them, otherwise kinds must agree. */
/**
 * Why values of a followed column never reach its followers, or undefined when they do. A followed
 * value travels as the text of its canonical form: a `boolean`, an array or a JSON document has
 * none to carry, and a timestamp, `bytea`, `money` or `interval` carries one PostgreSQL does not
 * print (ISO 8601 in UTC, base64, a plain decimal, ISO 8601 durations) and the search compares
 * such columns by their printed text.
 */
function carriedBlind(followed: PgColumn): string | undefined {
  if (followed.category === 'A') return 'an array value is not carried to the tables that follow it';
  if (followed.category === 'B') return 'a boolean value is not carried to the tables that follow it';
  if (followed.castType === 'json' || followed.castType === 'jsonb')
    return 'a JSON document is not carried to the tables that follow it';
  if (
    [
      'timestamp with time zone',
      'timestamp without time zone',
      'time with time zone',
      'bytea',
      'money',
      'interval',
    ].includes(followed.castType)
  )
    return `its values are carried in their canonical form, which is not the text PostgreSQL prints for ${followed.castType}`;
  return undefined;
}

const NUMBERS = new Set(['smallint', 'integer', 'bigint', 'numeric']);
const EXACT_TEXT = new Set(['text', 'character varying', 'name']);

/**
 * How a follower column's equality is looser than the followed column's, or undefined when it is
 * not: then every follower row a value finds holds what the followed column holds for it, and the
 * follow guard's count in the followed column counts what the search finds. Not looser: an exact
 * text column (a deterministic collation: equal means the same characters) whatever it follows, two
 * columns of one type and collation, and numbers following numbers. Looser, among others: `citext`
 * or a case-insensitive collation following plain text (`ABC` finds `abc`'s rows), an integer
 * following text (`7` finds `007`'s), `character(n)` following text (trailing spaces ignored), a
 * `uuid` following text (case ignored). Arrays are left to the other checks.
 */
function looserComparison(follower: PgColumn, followed: PgColumn): string | undefined {
  if (follower.category === 'A' || followed.category === 'A') return undefined;
  const deterministic = follower.nondeterministicCollation === undefined;
  if (deterministic && EXACT_TEXT.has(follower.castType)) return undefined;
  if (follower.castType === followed.castType)
    return deterministic || follower.nondeterministicCollation === followed.nondeterministicCollation
      ? undefined
      : 'under a nondeterministic collation (case- or accent-insensitive), more loosely';
  if (NUMBERS.has(follower.castType) && NUMBERS.has(followed.castType)) return undefined;
  if (!deterministic) return 'under a nondeterministic collation (case- or accent-insensitive), more loosely';
  if (follower.castType === 'citext') return 'case-insensitively, more loosely';
  if (follower.castType.startsWith('character(')) return 'ignoring trailing spaces, more loosely';
  if (NUMBERS.has(follower.castType)) return 'as numbers (007 equals 7), more loosely';
  return `as ${follower.castType}, which may hold equal what the other type holds apart, more loosely`;
}

function compatible(a: PgColumn, b: PgColumn): boolean {
  return a.castType === b.castType || a.category === b.category || a.category === 'S' || b.category === 'S';
}
