import { describe, expect, it } from 'vitest';
import { nanosToSeconds, parseZonedTimestamp } from '../../../local/snowflake/encodeValue';
import { tokenizeSql } from '../../../local/snowflake/tokenizeSql';
import { ExpressionTranslator, type TranslationContext } from '../../../local/snowflake/translateExpression';

const context: TranslationContext = {
  currentDatabase: 'DSR',
  informationSchema: (database, view) => `(SELECT '${database}.${view}' AS V)`,
  isStoredName: (name) => name === 'AT',
  isZonedColumn: (name) => name === 'AT',
};
const translate = (sql: string) => new ExpressionTranslator(tokenizeSql(sql), context).translateAll();

describe('Function: ExpressionTranslator', () => {
  it('numbers ? and :n placeholders as DuckDB $n', () => {
    expect(translate('select a from t where b = ? and c in (?, ?)')).toMatchObject({
      sql: 'SELECT A FROM T WHERE B = $1 AND C IN ($2, $3)',
      parameterCount: 3,
    });
    expect(translate('SELECT :2, :1').sql).toBe('SELECT $2, $1');
  });

  it("rewrites Snowflake's table sampling as DuckDB's", () => {
    expect(translate('SELECT a FROM d.s.t SAMPLE (5 ROWS)').sql).toBe(
      'SELECT A FROM D.S.T USING SAMPLE 5 ROWS',
    );
    expect(translate('SELECT a FROM d.s.t SAMPLE SYSTEM (0.5) LIMIT 10').sql).toBe(
      'SELECT A FROM D.S.T USING SAMPLE 0.5 PERCENT (system) LIMIT 10',
    );
  });

  it('rewrites VARIANT paths keeping the case of keys', () => {
    expect(translate("SELECT doc:Email::string, doc:a.b::number, doc['x'], doc:l[0] FROM t").sql).toBe(
      `SELECT json_extract_string(DOC, '$."Email"'), CAST(json_extract_string(DOC, '$."a"."b"') AS DECIMAL(38,0)), json_extract(DOC, '$."x"'), json_extract(DOC, '$."l"[0]') FROM T`,
    );
  });

  it('rewrites the Snowflake functions the product emits', () => {
    expect(
      translate("SELECT PARSE_JSON(?), TO_BINARY(?, 'BASE64'), TRY_TO_TIMESTAMP_TZ(?), CURRENT_TIMESTAMP()")
        .sql,
    ).toBe(
      "SELECT CAST($1 AS JSON), sf_to_binary($2, 'BASE64'), sf_try_to_timestamp_tz($3), CURRENT_TIMESTAMP",
    );
  });

  it('expands FLATTEN with json_each over the input alone, never carrying the input along each element', () => {
    // A bound array of n elements once cost n² in its size: every element carried the whole input
    // and parsed it again to learn whether it was an array or an object.
    expect(translate('SELECT f.value FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) AS f').sql).toBe(
      `SELECT F.VALUE FROM (SELECT 1 AS "SEQ", CASE WHEN starts_with(fullkey, '$.') THEN key END AS "KEY", ` +
        `CASE WHEN starts_with(fullkey, '$[') THEN CAST(key AS BIGINT) END AS "INDEX", fullkey AS "PATH", ` +
        `value AS "VALUE" FROM json_each(CAST(CAST($1 AS JSON) AS JSON))) AS F`,
    );
  });

  it('gives FROM VALUES the COLUMNn names of Snowflake', () => {
    expect(translate('SELECT column1 FROM VALUES (?, ?), (?, ?) v').sql).toBe(
      'SELECT COLUMN1 FROM (VALUES ($1, $2), ($3, $4)) AS "V"(COLUMN1, COLUMN2)',
    );
  });

  it('answers INFORMATION_SCHEMA from the catalog, with or without a database', () => {
    expect(translate('SELECT * FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = ?').sql).toBe(
      `SELECT * FROM (SELECT 'DSR.COLUMNS' AS V) AS "COLUMNS" WHERE TABLE_NAME = $1`,
    );
    expect(translate('SELECT * FROM X.INFORMATION_SCHEMA.COLUMNS c').sql).toBe(
      `SELECT * FROM (SELECT 'X.COLUMNS' AS V) C`,
    );
  });

  it('quotes stored names that DuckDB reads as keywords, and keeps quoted identifiers and literals', () => {
    expect(translate(`INSERT INTO t (id, at, "lower") VALUES ('it''s', 'a\\nb')`).sql).toBe(
      `INSERT INTO T (ID, "AT", "lower") VALUES ('it''s', 'a\nb')`,
    );
  });
});

describe('Function: ExpressionTranslator (TIMESTAMP_TZ)', () => {
  it('compares a TIMESTAMP_TZ column as an instant', () => {
    expect(translate('SELECT at FROM t WHERE at < ? ORDER BY at').sql).toBe(
      'SELECT "AT" FROM T WHERE CAST("AT" AS TIMESTAMPTZ) < $1 ORDER BY "AT"',
    );
  });
});

describe('Function: parseZonedTimestamp', () => {
  it('keeps the instant and the original offset', () => {
    expect(parseZonedTimestamp('2024-03-01T10:00:00.123456789+05:30')).toEqual({
      epochNanos: 1_709_267_400_123_456_789n,
      offsetMinutes: 330,
      iso: '2024-03-01T10:00:00.123456789+05:30',
    });
    expect(parseZonedTimestamp('2026-11-26 10:22:24.791259+00')?.offsetMinutes).toBe(0);
    expect(parseZonedTimestamp('not a time')).toBeUndefined();
  });

  it('encodes instants before 1970 exactly', () => {
    expect(nanosToSeconds(-500_000_000n)).toBe('-0.500000000');
    expect(nanosToSeconds(1_500_000_001n)).toBe('1.500000001');
  });
});
