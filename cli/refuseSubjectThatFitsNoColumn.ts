import type { DataMap } from '../shared/datamap/dataMapSchema';
import { normalizeSubject } from '../shared/discovery/discoverSubject';
import { planSearch } from '../shared/discovery/planSearch';
import type { PostgresTableSearcher } from '../shared/postgres/PostgresTableSearcher';
import { CliError, EXIT } from './CliError';

/**
 * Refuses, as a usage error (exit 2), a subject value that no column its kind is mapped to could
 * hold: every column of the kind is a PostgreSQL column whose type refuses it (`abc`, or ` 7 ` with
 * its spaces, for an integer key). The search would drop it and answer "0 rows", which reads as
 * "we hold nothing about this person". A kind mapped to a Snowflake table that will be searched is
 * not judged (that catalog is not read for it). Names the kind and the columns, never the value.
 */
export function refuseSubjectThatFitsNoColumn(
  map: DataMap,
  subject: Readonly<Record<string, readonly string[]>>,
  postgres: PostgresTableSearcher,
  options: { readonly snowflakeSearched: boolean; readonly mirrors?: boolean },
): void {
  const plan = planSearch(map, { mirrors: options.mirrors ?? false });
  for (const [kind, values] of Object.entries(normalizeSubject(map, subject))) {
    const columns = plan.flatMap((table) =>
      table.inputs
        .filter((i) => i.reason.via === 'identity' && i.reason.identity === kind)
        .map((input) => ({ table, input })),
    );
    if (columns.some(({ table }) => table.system === 'snowflake' && options.snowflakeSearched)) continue;
    const postgresColumns = columns.filter(({ table }) => table.system === 'postgres');
    if (postgresColumns.length === 0) continue;
    for (const value of values) {
      const fits = postgresColumns.map(({ table, input }) => postgres.fits(table, input, value));
      if (fits.some((f) => f !== false)) continue;
      const named = postgresColumns.map(({ table, input }) => `${table.table}.${input.column}`).join(', ');
      throw new CliError(
        `--subject ${kind}: the value fits no column mapped to ${kind} (${named}): check it, e.g. for spaces or letters in a number`,
        EXIT.usage,
      );
    }
  }
}
