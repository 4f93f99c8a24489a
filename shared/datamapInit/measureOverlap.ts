import type { PgDatabase } from '../postgres/PgDatabase';
import { quoteIdent } from '../postgres/quoteIdent';
import { SAMPLE_FACTOR } from '../scan/ScanSource';
import type { NameReference } from './referencesByName';

/** The client `PgDatabase.withClient` lends; the driver stays behind `shared/postgres`. */
type Client = Parameters<Parameters<PgDatabase['withClient']>[0]>[0];

/** How many distinct sampled values of a referencing column were found in the column it names. */
export interface Overlap {
  readonly sampled: number;
  readonly found: number;
}

/**
 * Measures inclusion: takes up to `sample` distinct non-null values of the referencing column, the
 * smallest first (so the same data gives the same sample), and counts those present in the target
 * column. A large table is first cut down with `TABLESAMPLE SYSTEM … REPEATABLE`, whose pages are
 * the same for the same seed while the table is unchanged, so no table is read in full. Only
 * counts come back; the values never leave the database. Runs in a `READ ONLY` transaction.
 * https://www.postgresql.org/docs/current/sql-select.html#SQL-FROM (TABLESAMPLE … REPEATABLE)
 */
export async function measureOverlap(
  db: PgDatabase,
  reference: NameReference,
  options: { sample: number; estimatedRows: number | undefined },
): Promise<Overlap> {
  const from = qualified(reference.table);
  const target = qualified(reference.target);
  const column = quoteIdent(reference.column);
  const targetColumn = quoteIdent(reference.targetColumn);
  const sql = (tablesample: string) => `
    SELECT count(*)::int AS sampled,
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ${target} t WHERE t.${targetColumn} = s.v))::int AS found
    FROM (SELECT DISTINCT r.${column} AS v FROM ${from} r ${tablesample}
          WHERE r.${column} IS NOT NULL ORDER BY 1 LIMIT $1) s`;
  const estimate = options.estimatedRows;
  const large = estimate !== undefined && estimate > options.sample * SAMPLE_FACTOR * 10;
  const run = async (client: Client, text: string, values: unknown[]): Promise<Overlap> => {
    // Type parsers are off in PgDatabase: the counts come back as text.
    const row = (await client.query<{ sampled: string; found: string }>(text, values)).rows[0];
    return { sampled: Number(row?.sampled ?? 0), found: Number(row?.found ?? 0) };
  };
  return db.withClient(async (client) => {
    await client.query('BEGIN READ ONLY');
    try {
      let result: Overlap = { sampled: 0, found: 0 };
      if (large) {
        // Pages for about forty rows per wanted value; pages are drawn at random (with a fixed
        // seed), so a sample that found none is retried with four times the share.
        const percent = (100 * options.sample * SAMPLE_FACTOR * 4) / estimate;
        for (let attempt = 0; attempt < 3 && result.sampled === 0; attempt++) {
          result = await run(client, sql('TABLESAMPLE SYSTEM ($2) REPEATABLE (0)'), [
            options.sample,
            Math.min(100, percent * 4 ** attempt),
          ]);
        }
      }
      // Stale statistics can make the page sample come back empty: fall back to the whole column.
      if (result.sampled === 0) result = await run(client, sql(''), [options.sample]);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

function qualified(table: string): string {
  const dot = table.indexOf('.');
  return `${quoteIdent(table.slice(0, dot))}.${quoteIdent(table.slice(dot + 1))}`;
}
