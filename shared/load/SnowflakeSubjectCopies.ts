import type { OwnCopiesPorts } from '../erasure/removeOwnCopies';
import { InvalidArgumentError } from '../errors/errors';
import type { Ledger } from '../ledger/Ledger';
import type { PayloadStore } from '../payload/PayloadStore';
import { quoteSnowflakeIdent as q } from '../snowflake/quoteSnowflakeIdent';
import { type SnowflakeDatabase, snowflakeQueryTag } from '../snowflake/SnowflakeDatabase';
import type { LoadLocation } from '../snowflake/statements';
import { ensureEvidenceTables } from './ensureEvidenceTables';

const SUBJECT_HASH = /^[0-9a-f]{64}$/;

/**
 * The requests recorded at intake with a subject hash. `DETAIL` is a VARIANT holding the entry's
 * detail object (see `appendLedgerEntry`); `"DETAIL":"subjectHash"` reads its `subjectHash` element
 * with Snowflake's path notation: element names are case-sensitive, so the name is quoted as the
 * ledger writes it, and `::VARCHAR` turns the JSON string into text for the comparison with the bind.
 * Binds: the subject hash.
 * https://docs.snowflake.com/en/user-guide/querying-semistructured#traversing-semi-structured-data
 */
export function selectRequestsOfSubjectSql(at: LoadLocation): string {
  return (
    `SELECT DISTINCT "REQUEST_ID" FROM ${q(at.database)}.${q(at.schema)}.${q('DSR_LEDGER')} ` +
    `WHERE "STATE" = 'received' AND "DETAIL":"subjectHash"::VARCHAR = ? ORDER BY "REQUEST_ID"`
  );
}

/**
 * Removes the row values of a request's findings: row keys, row hashes, evidence hash and
 * provenance stay. Rows already without a value are not touched, so the count is of rows cleared
 * now and a second run clears none. Binds: the request id.
 * https://docs.snowflake.com/en/sql-reference/sql/update
 */
export function clearFindingValuesSql(at: LoadLocation): string {
  return (
    `UPDATE ${q(at.database)}.${q(at.schema)}.${q('DSR_FINDINGS')} SET "ROW" = NULL ` +
    'WHERE "REQUEST_ID" = ? AND "ROW" IS NOT NULL'
  );
}

/**
 * dsr-bridge's own copies of a subject in the evidence schema: which requests the ledger recorded
 * for a subject hash, and the removal of their findings' values ({@link OwnCopiesPorts}). Statements
 * are tagged with the stage `erase` and carry ids and hashes only.
 */
export class SnowflakeSubjectCopies
  implements Pick<OwnCopiesPorts, 'requestsOfSubject' | 'clearFindingValues'>
{
  constructor(
    private readonly db: () => Promise<SnowflakeDatabase>,
    private readonly at: LoadLocation,
  ) {}

  /** Every port `removeOwnCopies` takes: this adapter's two, with the payload bucket and the ledger. */
  portsWith(payloads: PayloadStore, ledger: Ledger): OwnCopiesPorts {
    return {
      requestsOfSubject: (subjectHash) => this.requestsOfSubject(subjectHash),
      clearFindingValues: (requestId) => this.clearFindingValues(requestId),
      payloads,
      ledger,
    };
  }

  async requestsOfSubject(subjectHash: string): Promise<string[]> {
    if (!SUBJECT_HASH.test(subjectHash))
      throw new InvalidArgumentError('a subject hash is 64 lower-case hexadecimal digits');
    const db = await this.db();
    const rows = await db.withQueryTag(snowflakeQueryTag('erase', subjectHash), async () => {
      await ensureEvidenceTables(db, this.at);
      return db.query(selectRequestsOfSubjectSql(this.at), [subjectHash]);
    });
    return rows.map((r) => String(r.REQUEST_ID));
  }

  async clearFindingValues(requestId: string): Promise<number> {
    const db = await this.db();
    const result = await db.withQueryTag(snowflakeQueryTag('erase', requestId), async () => {
      await ensureEvidenceTables(db, this.at);
      return db.execute(clearFindingValuesSql(this.at), [requestId]);
    });
    return result.rowsAffected ?? 0;
  }
}
