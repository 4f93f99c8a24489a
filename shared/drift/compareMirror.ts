import type { PgTable } from '../postgres/readPgCatalog';
import type { SnowflakeColumn, SnowflakeTable } from '../snowflake/SnowflakeColumn';
import { checkColumnContract } from './checkColumnContract';
import type { DriftFinding } from './DriftVerdict';

/** One source table and its mirror, as the data map pairs them. */
export interface MirrorPair {
  /** The PostgreSQL table, `schema.table` as the data map names it. */
  readonly table: string;
  /** The Snowflake mirror, `DATABASE.SCHEMA.TABLE` as the data map names it. */
  readonly mirror: string;
  /** Columns the pipeline identifies rows by (primary key, identities, follow columns): losing one is corrupting. */
  readonly keyColumns: readonly string[];
  /** Columns the data map excludes from findings: not compared. */
  readonly exclude: readonly string[];
}

/** The comparison of one pair. */
export interface MirrorComparison {
  readonly findings: DriftFinding[];
  /** Columns compared: the source's (less the excluded) plus the mirror's extras. */
  readonly columns: number;
  /** Columns with at least one finding. */
  readonly driftedColumns: number;
}

/**
 * Compares a PostgreSQL table's columns with its Snowflake mirror's: missing and extra columns,
 * then the type contract column by column. Column names match exactly, or else case-insensitively
 * (unquoted Snowflake names are upper case). Pure: the catalogs are read elsewhere.
 */
export function compareMirror(
  pair: MirrorPair,
  source: PgTable | undefined,
  mirror: SnowflakeTable | undefined,
): MirrorComparison {
  const finding = (
    column: string | null,
    kind: DriftFinding['kind'],
    detail: string,
    corrupting: boolean,
  ): DriftFinding => ({ table: pair.table, mirror: pair.mirror, column, kind, detail, corrupting });

  if (!source || !mirror) {
    const detail = source
      ? `the mirror ${pair.mirror} does not exist`
      : `the source table ${pair.table} does not exist`;
    const columns = Math.max(1, source?.columns.length ?? mirror?.columns.length ?? 1);
    return { findings: [finding(null, 'missing_table', detail, true)], columns, driftedColumns: columns };
  }

  const excluded = new Set(pair.exclude.map((c) => c.toUpperCase()));
  const compared = source.columns.filter((c) => !excluded.has(c.name.toUpperCase()));
  const matched = new Set<SnowflakeColumn>();
  const findings: DriftFinding[] = [];
  let driftedColumns = 0;

  for (const column of compared) {
    const target =
      mirror.columns.find((c) => c.name === column.name) ??
      mirror.columns.find((c) => !matched.has(c) && c.name.toUpperCase() === column.name.toUpperCase());
    if (!target) {
      const key = pair.keyColumns.includes(column.name);
      findings.push(
        finding(
          column.name,
          'missing_column',
          `${column.name} (${column.typeName}) has no column in ${pair.mirror}${key ? '; rows are identified by it' : ''}`,
          key,
        ),
      );
      driftedColumns++;
      continue;
    }
    matched.add(target);
    const breach = checkColumnContract(column, target);
    if (breach) {
      findings.push(finding(column.name, breach.kind, breach.detail, breach.corrupting));
      driftedColumns++;
    }
  }
  const extras = mirror.columns.filter((c) => !matched.has(c) && !excluded.has(c.name.toUpperCase()));
  for (const extra of extras) {
    findings.push(
      finding(
        extra.name,
        'extra_column',
        `${pair.mirror}.${extra.name} has no column in ${pair.table}`,
        false,
      ),
    );
    driftedColumns++;
  }
  return { findings, columns: compared.length + extras.length, driftedColumns };
}
