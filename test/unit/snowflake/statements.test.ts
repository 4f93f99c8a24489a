import { describe, expect, it } from 'vitest';
import { quoteSnowflakeIdent, quoteSnowflakeName } from '../../../shared/snowflake/quoteSnowflakeIdent';
import {
  catalogColumnsSql,
  keysetBinds,
  mergeFindingsSql,
  mergeLedgerSql,
  searchSql,
  TIMESTAMP_BIND_FORMAT,
  timestampBind,
} from '../../../shared/snowflake/statements';

describe('Module: statements', () => {
  it('quotes identifiers so their case is kept and quotes cannot break out', () => {
    expect(quoteSnowflakeIdent('Users')).toBe('"Users"');
    expect(quoteSnowflakeIdent('a"b')).toBe('"a""b"');
    expect(quoteSnowflakeName('ANALYTICS.PUBLIC.USERS')).toBe('"ANALYTICS"."PUBLIC"."USERS"');
    expect(() => quoteSnowflakeIdent('a\u0000')).toThrow();
  });

  it('reads a catalog with the schema and table names as binds', () => {
    expect(catalogColumnsSql('ANALYTICS', 2)).toBe(
      'SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, ' +
        'CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE ' +
        'FROM "ANALYTICS".INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?, ?) ' +
        'ORDER BY TABLE_NAME, ORDINAL_POSITION',
    );
    expect(catalogColumnsSql('ANALYTICS', 0)).not.toContain('TABLE_NAME IN');
  });

  it('searches with binds, a deterministic order and a limit', () => {
    const base = {
      table: 'ANALYTICS.PUBLIC.EVENTS',
      columns: ['ID', 'USER_ID', 'KIND'],
      match: '"USER_ID"',
      value: 'CAST(? AS NUMBER(38,0))',
      valueCount: 2,
      key: [{ column: 'ID', value: 'CAST(? AS NUMBER(38,0))' }],
      after: false,
      limit: 100,
    };
    expect(searchSql(base)).toBe(
      'SELECT "ID", "USER_ID", "KIND" FROM "ANALYTICS"."PUBLIC"."EVENTS" ' +
        'WHERE "USER_ID" IN (CAST(? AS NUMBER(38,0)), CAST(? AS NUMBER(38,0))) ORDER BY "ID" LIMIT 100',
    );
    expect(searchSql({ ...base, after: true })).toContain(
      'IN (CAST(? AS NUMBER(38,0)), CAST(? AS NUMBER(38,0))) AND (("ID" > CAST(? AS NUMBER(38,0)))) ORDER BY "ID"',
    );
  });

  it('spells keyset paging out over a composite key, with matching binds', () => {
    const sql = searchSql({
      table: 'D.S.T',
      columns: ['A', 'B'],
      match: 'LOWER("E")',
      value: '?',
      valueCount: 1,
      key: [
        { column: 'A', value: '?' },
        { column: 'B', value: '?' },
      ],
      after: true,
      limit: 10,
    });
    expect(sql).toContain('AND (("A" > ?) OR ("A" = ? AND "B" > ?)) ORDER BY "A", "B" LIMIT 10');
    expect(keysetBinds(['a1', 'b1'])).toEqual(['a1', 'a1', 'b1']);
  });

  it('orders a keyless table by every column returned and pages it by offset', () => {
    const keyless = {
      table: 'D.S.LOGIN_AUDIT',
      columns: ['USER_ID', 'AT', 'IP'],
      match: '"USER_ID"',
      value: '?',
      valueCount: 1,
      key: [],
      after: false,
      limit: 2,
    };
    expect(searchSql(keyless)).toBe(
      'SELECT "USER_ID", "AT", "IP" FROM "D"."S"."LOGIN_AUDIT" WHERE "USER_ID" IN (?) ORDER BY "USER_ID", "AT", "IP" LIMIT 2',
    );
    expect(searchSql({ ...keyless, offset: 4 })).toMatch(/ LIMIT 2 OFFSET 4$/);
    expect(() => searchSql({ ...keyless, offset: -1 })).toThrow('offset must be ≥ 0 (given -1)');
  });

  it('fails if the limit is not positive', () => {
    expect(() =>
      searchSql({
        table: 'D.S.T',
        columns: ['A'],
        match: '"A"',
        value: '?',
        valueCount: 1,
        key: [],
        after: false,
        limit: 0,
      }),
    ).toThrow('limit must be ≥ 1 (given 0)');
  });

  it('merges findings and ledger entries only when not matched, from one bound JSON array', () => {
    const at = { database: 'EVIDENCE', schema: 'DSR' };
    const findings = mergeFindingsSql(at);
    expect(findings).toMatch(/^MERGE INTO "EVIDENCE"."DSR"."DSR_FINDINGS" AS t/);
    expect(findings).toContain(
      'ON t."REQUEST_ID" = s."REQUEST_ID" AND t."SYSTEM" = s."SYSTEM" AND t."TABLE_NAME" = s."TABLE_NAME" AND t."ROW_KEY" = s."ROW_KEY"',
    );
    expect(findings).toContain('FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) AS f');
    expect(findings).toContain(
      'QUALIFY ROW_NUMBER() OVER (PARTITION BY "REQUEST_ID", "SYSTEM", "TABLE_NAME", "ROW_KEY" ORDER BY f.index) = 1',
    );
    expect(findings).toContain(
      `TO_TIMESTAMP_TZ(f.value:"discoveredAt"::VARCHAR, '${TIMESTAMP_BIND_FORMAT}')`,
    );
    expect(findings).not.toContain('WHEN MATCHED');
    expect(findings).toContain('PARSE_JSON(f.value:"provenance"::VARCHAR) AS "PROVENANCE"');
    expect(findings.match(/\?/g)).toHaveLength(1);
    const ledger = mergeLedgerSql(at);
    // Keyed on (request, state, stage), and compare-and-append on the chain position.
    expect(ledger).toContain(
      'ON t."REQUEST_ID" = s."REQUEST_ID" AND ((t."STATE" = s."STATE" AND t."STAGE" = s."STAGE") OR t."SEQ" >= s."FIRST_SEQ")',
    );
    expect(ledger).toContain('"SEQ", "PREV_HASH", "ENTRY_HASH") VALUES');
    expect(ledger).not.toContain('WHEN MATCHED');
    expect(ledger.match(/\?/g)).toHaveLength(1);
  });

  it('binds timestamps with an explicit offset that the explicit format reads', () => {
    expect(timestampBind(new Date('2024-02-29T23:59:59.123Z'))).toBe('2024-02-29T23:59:59.123+00:00');
    expect(TIMESTAMP_BIND_FORMAT).toBe('YYYY-MM-DD"T"HH24:MI:SS.FF3TZH:TZM');
  });
});
