import { sqlErrors } from './SnowflakeSqlError';
import { readSnowflakeType, type SnowflakeType } from './SnowflakeType';
import { isOp, isWord, type SqlToken } from './tokenizeSql';

/** What a translation needs to know about the session and the catalog. */
export interface TranslationContext {
  /** The session's current database, for names without one. */
  readonly currentDatabase: string | undefined;
  /** SQL naming the relation behind `<db>.INFORMATION_SCHEMA.<view>` (a subquery), or undefined if unknown. */
  informationSchema(database: string, view: string): string | undefined;
  /**
   * Whether an unquoted word names a stored table or column. Such words are quoted in the DuckDB
   * text, so a Snowflake column named like a DuckDB keyword (`AT`, `KEY`, …) still resolves.
   */
  isStoredName(name: string): boolean;
  /** Whether a column name is declared TIMESTAMP_TZ somewhere (such columns are stored as text). */
  isZonedColumn(name: string): boolean;
  /** The session's `TIMESTAMP_INPUT_FORMAT` (`AUTO` unless set). */
  readonly timestampInputFormat?: string;
  /** What `CURRENT_USER()` answers: the logged-in user's name as stored (NULL without one). */
  readonly currentUser?: string | undefined;
  /** What `CURRENT_ROLE()` answers: the session's primary role. */
  readonly currentRole?: string | undefined;
}

/**
 * Functions passed to DuckDB unchanged because DuckDB's function of the same name behaves as
 * Snowflake documents for the arguments the product uses. Any other function is refused with
 * Snowflake's "Unknown function" rather than run with DuckDB's semantics; the ones that need a
 * rewrite are in `functionCall`.
 */
export const PASS_THROUGH_FUNCTIONS: ReadonlySet<string> = new Set([
  'LOWER',
  'UPPER',
  'TRIM',
  'LTRIM',
  'RTRIM',
  'LENGTH',
  'LEN',
  'COALESCE',
  'NULLIF',
  'GREATEST',
  'LEAST',
  'COUNT',
  'SUM',
  'MIN',
  'MAX',
  'AVG',
  'ABS',
  'ROW_NUMBER',
  'RANK',
  'DENSE_RANK',
  'CONCAT',
  'REPLACE',
  'SUBSTR',
  'SUBSTRING',
  'LEFT',
  'RIGHT',
  'CONTAINS',
  'MD5',
  'REPEAT',
]);

/** Words that may stand before `(` without being a function call. */
const NOT_CALLS = new Set([
  ...['IN', 'EXISTS', 'OVER', 'USING', 'VALUES', 'AS', 'ON', 'AND', 'OR', 'NOT', 'FILTER', 'WITHIN'],
  ...['ANY', 'ALL', 'SOME', 'FROM', 'JOIN', 'SELECT', 'WHERE', 'THEN', 'ELSE', 'WHEN', 'SET', 'BY'],
  ...['IS', 'LIKE', 'ILIKE', 'BETWEEN', 'CASE', 'END', 'DISTINCT', 'UNION', 'EXCEPT', 'INTERSECT', 'MINUS'],
  ...['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'INTO', 'WITH', 'PARTITION', 'ORDER', 'GROUP', 'HAVING'],
  ...['QUALIFY', 'LIMIT', 'OFFSET', 'MATCHED', 'RETURNING', 'LATERAL', 'ROWS', 'RANGE'],
]);

const COMPARISONS = new Set(['<', '>', '<=', '>=', '=', '!=', '<>']);

/** Words that stay keywords even where a stored name shares them. */
const STRUCTURAL = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'ORDER',
  'BY',
  'GROUP',
  'HAVING',
  'LIMIT',
  'OFFSET',
  'AND',
  'OR',
  'NOT',
  'NULL',
  'IS',
  'IN',
  'AS',
  'ON',
  'SET',
  'VALUES',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'CASE',
  'INSERT',
  'INTO',
  'UPDATE',
  'DELETE',
  'MERGE',
  'USING',
  'MATCHED',
  'JOIN',
  'LEFT',
  'RIGHT',
  'INNER',
  'OUTER',
  'FULL',
  'CROSS',
  'UNION',
  'ALL',
  'DISTINCT',
  'EXISTS',
  'BETWEEN',
  'LIKE',
  'ILIKE',
  'TRUE',
  'FALSE',
  'WITH',
  'ASC',
  'DESC',
  'NULLS',
  'FIRST',
  'LAST',
  'TABLE',
  'CREATE',
  'DROP',
  'ALTER',
  'QUALIFY',
  'OVER',
  'PARTITION',
  'ROWS',
  'RANGE',
  'INTERSECT',
  'EXCEPT',
  'MINUS',
  'ANY',
  'SOME',
  'ESCAPE',
  'CAST',
  'TRY_CAST',
]);

/** A table named in the statement, its parts normalised (unquoted names upper-cased). */
export type TableReference = readonly string[];

/** The DuckDB text of a statement and what was learned while translating it. */
export interface Translation {
  readonly sql: string;
  readonly parameterCount: number;
  readonly tables: readonly TableReference[];
}

/** Words after which a bare word is not a table alias. */
const CLAUSE_WORDS = new Set([
  'WHERE',
  'ORDER',
  'GROUP',
  'HAVING',
  'LIMIT',
  'OFFSET',
  'JOIN',
  'INNER',
  'LEFT',
  'RIGHT',
  'FULL',
  'CROSS',
  'NATURAL',
  'ON',
  'USING',
  'UNION',
  'EXCEPT',
  'INTERSECT',
  'MINUS',
  'QUALIFY',
  'WHEN',
  'SET',
  'VALUES',
  'SELECT',
  'WINDOW',
  'FETCH',
]);

/** Words after which an identifier chain names a table. */
const TABLE_POSITION = new Set(['FROM', 'JOIN', 'INTO', 'UPDATE', 'USING', 'TABLE']);

/** Name of a token as Snowflake resolves it: unquoted upper-cased, quoted kept. */
export function identifierName(token: SqlToken): string {
  return token.type === 'quoted' ? token.text : token.text.toUpperCase();
}

/** A DuckDB identifier, always quoted so the case chosen by Snowflake's rules is kept. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A DuckDB string literal. */
export function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Index of the `)` matching the `(` at `open`. */
export function matchingParen(tokens: readonly SqlToken[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const token = tokens[i];
    if (isOp(token, '(') || isOp(token, '[')) depth++;
    else if (isOp(token, ')') || isOp(token, ']')) {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw sqlErrors.syntax('unbalanced parentheses');
}

/** Splits `[from, to)` at top-level commas. */
export function splitTopLevel(tokens: readonly SqlToken[], from: number, to: number): [number, number][] {
  const parts: [number, number][] = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < to; i++) {
    const token = tokens[i];
    if (isOp(token, '(') || isOp(token, '[')) depth++;
    else if (isOp(token, ')') || isOp(token, ']')) depth--;
    else if (depth === 0 && isOp(token, ',')) {
      parts.push([start, i]);
      start = i + 1;
    }
  }
  if (to > start) parts.push([start, to]);
  return parts;
}

/** The DuckDB type a Snowflake cast target becomes. */
function castTarget(type: SnowflakeType): string {
  return type.dataType === 'TIMESTAMP_TZ' ? 'VARCHAR' : type.duckType;
}

/**
 * Translates Snowflake-dialect SQL tokens to DuckDB text: placeholders become `$n`, unquoted words
 * are upper-cased (Snowflake's identifier rule; DuckDB resolves names case-insensitively), VARIANT
 * paths become `json_extract`, and the Snowflake functions this product emits are rewritten.
 */
export class ExpressionTranslator {
  private parameterCount = 0;
  private readonly tables: TableReference[] = [];

  constructor(
    private readonly tokens: readonly SqlToken[],
    private readonly context: TranslationContext,
  ) {}

  /** Translates the whole token list. */
  translateAll(): Translation {
    const sql = this.range(0, this.tokens.length).trim();
    return { sql, parameterCount: this.parameterCount, tables: this.tables };
  }

  /** Translates `tokens[from, to)`. */
  range(from: number, to: number): string {
    let out = '';
    let i = from;
    while (i < to) {
      const [text, next] = this.item(i, to);
      out += text;
      i = next;
    }
    return out;
  }

  /** Parameters seen so far (for statements translated in pieces). */
  get parameters(): number {
    return this.parameterCount;
  }

  get tableReferences(): readonly TableReference[] {
    return this.tables;
  }

  private item(i: number, to: number): [string, number] {
    const token = this.tokens[i];
    if (!token) return ['', i + 1];
    const pad = token.spaceBefore ? ' ' : '';
    switch (token.type) {
      case 'string':
        return [pad + quoteString(token.text), i + 1];
      case 'number':
        return [pad + token.text, i + 1];
      case 'param': {
        const position = token.text === '' ? this.parameterCount + 1 : Number(token.text);
        this.parameterCount = Math.max(this.parameterCount, position);
        return [`${pad}$${position}`, i + 1];
      }
      case 'op':
        if (token.text === '::') {
          const { type, next } = readSnowflakeType(this.tokens, i + 1);
          return [`::${castTarget(type)}`, next];
        }
        return [pad + token.text, i + 1];
      case 'word':
      case 'quoted':
        return this.word(i, to, pad);
    }
  }

  /**
   * Snowflake's table sampling after a table name: `SAMPLE (n ROWS)` and `SAMPLE SYSTEM (p)` become
   * DuckDB's `USING SAMPLE n ROWS` and `USING SAMPLE p PERCENT (system)`.
   */
  private sample(i: number): [string, number] | undefined {
    const t = (k: number) => this.tokens[i + k];
    if (!isWord(t(0), 'SAMPLE', 'TABLESAMPLE')) return undefined;
    if (isOp(t(1), '(') && t(2)?.type === 'number' && isWord(t(3), 'ROWS') && isOp(t(4), ')'))
      return [`USING SAMPLE ${t(2)?.text} ROWS`, i + 5];
    if (isWord(t(1), 'SYSTEM', 'BLOCK') && isOp(t(2), '(') && t(3)?.type === 'number' && isOp(t(4), ')'))
      return [`USING SAMPLE ${t(3)?.text} PERCENT (system)`, i + 5];
    return undefined;
  }

  private word(i: number, to: number, pad: string): [string, number] {
    const token = this.tokens[i] as SqlToken;
    const next = this.tokens[i + 1];
    const sample = this.sample(i);
    if (sample) return [pad + sample[0], sample[1]];
    if (token.type === 'word' && isOp(next, '(') && i + 1 < to) {
      const name = token.text.toUpperCase();
      const call = this.functionCall(name, i + 1);
      if (call) return [pad + call[0], call[1]];
      const previous = this.tokens[i - 1];
      const isName = isWord(previous, ...TABLE_POSITION, 'AS') || isOp(previous, '.');
      if (!isName && !NOT_CALLS.has(name) && !PASS_THROUGH_FUNCTIONS.has(name))
        throw sqlErrors.unknownFunction(name);
    }
    if (isWord(token, 'FROM') && isWord(next, 'VALUES')) return this.fromValues(i + 1, to, pad);
    if (isWord(token, 'CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME', 'SYSDATE')) {
      return [pad + token.text.toUpperCase(), i + 1];
    }
    // ANSI allows CURRENT_USER without parentheses, and Snowflake accepts it so.
    // https://docs.snowflake.com/en/sql-reference/functions/current_user
    if (isWord(token, 'CURRENT_USER')) return [pad + this.sessionText(this.context.currentUser), i + 1];
    // An identifier chain: a, a.b, a.b.c (possibly followed by a VARIANT path).
    const parts: SqlToken[] = [token];
    let j = i + 1;
    while (
      isOp(this.tokens[j], '.') &&
      (this.tokens[j + 1]?.type === 'word' || this.tokens[j + 1]?.type === 'quoted') &&
      j + 1 < to
    ) {
      parts.push(this.tokens[j + 1] as SqlToken);
      j += 2;
    }
    const previous = this.tokens[i - 1];
    const names = parts.map(identifierName);
    if (isWord(previous, ...TABLE_POSITION) && !isOp(this.tokens[j], '(')) {
      const info = this.informationSchema(names, j, pad);
      if (info) return info;
      this.tables.push(names);
    } else if (isWord(previous, ...TABLE_POSITION) && isOp(this.tokens[j], '(')) {
      this.tables.push(names);
    }
    const quoteStored = this.tokens[j]?.type !== 'string' && !isOp(this.tokens[j], '(');
    const chain = parts
      .map((part) => {
        if (part.type === 'quoted') return quoteIdentifier(part.text);
        const upper = part.text.toUpperCase();
        return quoteStored && !STRUCTURAL.has(upper) && this.context.isStoredName(upper)
          ? quoteIdentifier(upper)
          : upper;
      })
      .join('.');
    const path = this.path(j, to);
    if (path) return [pad + this.pathExpression(chain, path.path, path.cast), path.next];
    // A TIMESTAMP_TZ column is stored as text; compared, it must compare as an instant.
    const last = names.at(-1) ?? '';
    const compared = [this.tokens[i - 1], this.tokens[j]].some(
      (t) => (t?.type === 'op' && COMPARISONS.has(t.text)) || isWord(t, 'BETWEEN'),
    );
    if (compared && this.context.isZonedColumn(last)) return [`${pad}CAST(${chain} AS TIMESTAMPTZ)`, j];
    return [pad + chain, j];
  }

  private informationSchema(
    names: readonly string[],
    next: number,
    pad: string,
  ): [string, number] | undefined {
    let database: string | undefined;
    let view: string | undefined;
    if (names.length === 3 && names[1] === 'INFORMATION_SCHEMA') {
      database = names[0];
      view = names[2];
    } else if (names.length === 2 && names[0] === 'INFORMATION_SCHEMA') {
      database = this.context.currentDatabase;
      view = names[1];
    }
    if (view === undefined) return undefined;
    if (database === undefined) throw sqlErrors.objectMissing(`INFORMATION_SCHEMA.${view}`);
    const relation = this.context.informationSchema(database, view);
    if (!relation) throw sqlErrors.objectMissing(`${database}.INFORMATION_SCHEMA.${view}`);
    const after = this.tokens[next];
    const hasAlias =
      isWord(after, 'AS') ||
      after?.type === 'quoted' ||
      (after?.type === 'word' && !CLAUSE_WORDS.has(after.text.toUpperCase()));
    return [`${pad}${relation}${hasAlias ? '' : ` AS ${quoteIdentifier(view)}`}`, next];
  }

  /** Reads a VARIANT path (`:a.b[0]`, `['x']`) and an optional `::type` after it. */
  private path(
    start: number,
    to: number,
  ): { path: string; cast: SnowflakeType | undefined; next: number } | undefined {
    let i = start;
    let path = '$';
    const first = this.tokens[i];
    if (isOp(first, ':') && !first?.spaceBefore) {
      const key = this.tokens[i + 1];
      if (!key || (key.type !== 'word' && key.type !== 'quoted')) return undefined;
      path += `.${jsonKey(key.text)}`;
      i += 2;
    } else if (!(isOp(first, '[') && !first?.spaceBefore)) {
      return undefined;
    }
    for (;;) {
      const token = this.tokens[i];
      if (i >= to || !token) break;
      if (
        isOp(token, '.') &&
        (this.tokens[i + 1]?.type === 'word' || this.tokens[i + 1]?.type === 'quoted')
      ) {
        path += `.${jsonKey((this.tokens[i + 1] as SqlToken).text)}`;
        i += 2;
      } else if (isOp(token, '[') && isOp(this.tokens[i + 2], ']')) {
        const index = this.tokens[i + 1] as SqlToken;
        if (index.type === 'number') path += `[${index.text}]`;
        else if (index.type === 'string') path += `.${jsonKey(index.text)}`;
        else throw sqlErrors.unsupported('a computed VARIANT path element');
        i += 3;
      } else break;
    }
    let cast: SnowflakeType | undefined;
    if (isOp(this.tokens[i], '::')) {
      const read = readSnowflakeType(this.tokens, i + 1);
      cast = read.type;
      i = read.next;
    }
    return { path, cast, next: i };
  }

  private pathExpression(base: string, path: string, cast: SnowflakeType | undefined): string {
    const literal = quoteString(path);
    if (!cast || cast.dataType === 'VARIANT' || cast.dataType === 'OBJECT' || cast.dataType === 'ARRAY') {
      return `json_extract(${base}, ${literal})`;
    }
    const text = `json_extract_string(${base}, ${literal})`;
    if (cast.dataType === 'TEXT') return text;
    if (cast.dataType === 'TIMESTAMP_TZ') return `sf_to_timestamp_tz(${text})`;
    return `CAST(${text} AS ${cast.duckType})`;
  }

  /** `FROM VALUES (..), (..) [AS] alias[(cols)]` → a DuckDB VALUES subquery with Snowflake's COLUMNn names. */
  private fromValues(valuesAt: number, to: number, pad: string): [string, number] {
    let i = valuesAt + 1;
    const rows: string[] = [];
    let width = 0;
    while (isOp(this.tokens[i], '(')) {
      const close = matchingParen(this.tokens, i);
      const items = splitTopLevel(this.tokens, i + 1, close);
      width = Math.max(width, items.length);
      rows.push(`(${items.map(([a, b]) => this.range(a, b).trim()).join(', ')})`);
      i = close + 1;
      if (isOp(this.tokens[i], ',') && isOp(this.tokens[i + 1], '(')) i++;
      else break;
    }
    let alias = '"_SF_VALUES"';
    if (isWord(this.tokens[i], 'AS')) i++;
    const aliasToken = this.tokens[i];
    if (
      i < to &&
      aliasToken &&
      (aliasToken.type === 'quoted' ||
        (aliasToken.type === 'word' && !CLAUSE_WORDS.has(aliasToken.text.toUpperCase())))
    ) {
      alias = quoteIdentifier(identifierName(aliasToken));
      i++;
    }
    let columns = Array.from({ length: width }, (_, k) => `COLUMN${k + 1}`);
    if (isOp(this.tokens[i], '(')) {
      const close = matchingParen(this.tokens, i);
      columns = splitTopLevel(this.tokens, i + 1, close).map(([a]) =>
        quoteIdentifier(identifierName(this.tokens[a] as SqlToken)),
      );
      i = close + 1;
    }
    return [`${pad}FROM (VALUES ${rows.join(', ')}) AS ${alias}(${columns.join(', ')})`, i];
  }

  /** Rewrites the Snowflake functions that differ in DuckDB; undefined leaves the call as written. */
  private functionCall(name: string, open: number): [string, number] | undefined {
    const close = matchingParen(this.tokens, open);
    const args = () => splitTopLevel(this.tokens, open + 1, close).map(([a, b]) => this.range(a, b).trim());
    const after = close + 1;
    switch (name) {
      case 'PARSE_JSON':
        return [`CAST(${args()[0] ?? 'NULL'} AS JSON)`, after];
      case 'TRY_PARSE_JSON':
        return [`TRY_CAST(${args()[0] ?? 'NULL'} AS JSON)`, after];
      case 'TO_VARIANT':
      case 'TO_OBJECT':
      case 'TO_ARRAY':
        return [`to_json(${args()[0] ?? 'NULL'})`, after];
      case 'TO_JSON':
        // VARIANT → its JSON text. https://docs.snowflake.com/en/sql-reference/functions/to_json
        return [`CAST(CAST(${args()[0] ?? 'NULL'} AS JSON) AS VARCHAR)`, after];
      case 'OBJECT_CONSTRUCT':
        return [`json_object(${args().join(', ')})`, after];
      case 'ARRAY_CONSTRUCT':
        return [`to_json(list_value(${args().join(', ')}))`, after];
      case 'ARRAY_SIZE':
        return [`json_array_length(${args()[0] ?? 'NULL'})`, after];
      case 'TO_BINARY':
      case 'TRY_TO_BINARY': {
        const [value, format] = args();
        const call = `sf_to_binary(${value ?? 'NULL'}, ${format ?? "'HEX'"})`;
        return [name === 'TRY_TO_BINARY' ? `TRY(${call})` : call, after];
      }
      case 'TABLE':
        return this.flatten(open, close);
      case 'REGEXP_REPLACE': {
        // Snowflake replaces every occurrence unless told otherwise (occurrence 0, the default);
        // DuckDB only the first unless given 'g'.
        // https://docs.snowflake.com/en/sql-reference/functions/regexp_replace
        const [subject, pattern, replacement, position, occurrence, parameters] = args();
        if ((position && position !== '1') || (occurrence && occurrence !== '0') || parameters)
          throw sqlErrors.unsupported('REGEXP_REPLACE with a position, an occurrence or parameters');
        return [`regexp_replace(${subject}, ${pattern}, ${replacement ?? "''"}, 'g')`, after];
      }
      case 'TO_TIMESTAMP_TZ':
      case 'TRY_TO_TIMESTAMP_TZ': {
        const items = splitTopLevel(this.tokens, open + 1, close);
        const value = args()[0] ?? 'NULL';
        const format = items[1] ? this.formatArgument(items[1]) : this.sessionInputFormat();
        const fn = name === 'TO_TIMESTAMP_TZ' ? 'sf_to_timestamp_tz' : 'sf_try_to_timestamp_tz';
        return [format ? `${fn}_format(${value}, ${quoteString(format)})` : `${fn}(${value})`, after];
      }
      case 'TO_TIMESTAMP':
      case 'TO_TIMESTAMP_NTZ':
        return [`CAST(${args()[0] ?? 'NULL'} AS TIMESTAMP)`, after];
      case 'TRY_TO_TIMESTAMP':
      case 'TRY_TO_TIMESTAMP_NTZ':
        return [`TRY_CAST(${args()[0] ?? 'NULL'} AS TIMESTAMP)`, after];
      case 'TO_TIMESTAMP_LTZ':
        return [`CAST(${args()[0] ?? 'NULL'} AS TIMESTAMPTZ)`, after];
      case 'TRY_TO_TIMESTAMP_LTZ':
        return [`TRY_CAST(${args()[0] ?? 'NULL'} AS TIMESTAMPTZ)`, after];
      case 'TO_DATE':
        return [`CAST(${args()[0] ?? 'NULL'} AS DATE)`, after];
      case 'TRY_TO_DATE':
        return [`TRY_CAST(${args()[0] ?? 'NULL'} AS DATE)`, after];
      case 'TO_VARCHAR':
      case 'TO_CHAR': {
        // With a format, only date/time values are formatted here (as TO_VARCHAR documents);
        // a numeric format is refused rather than ignored.
        // https://docs.snowflake.com/en/sql-reference/functions/to_char
        const items = splitTopLevel(this.tokens, open + 1, close);
        if (!items[1]) return [`CAST(${args()[0] ?? 'NULL'} AS VARCHAR)`, after];
        return [
          `strftime(CAST(${args()[0] ?? 'NULL'} AS TIMESTAMPTZ), ${quoteString(this.formatArgument(items[1], 'strftime'))})`,
          after,
        ];
      }
      case 'TO_NUMBER':
      case 'TO_DECIMAL':
      case 'TO_NUMERIC': {
        const [value, precision, scale] = args();
        return [`CAST(${value ?? 'NULL'} AS DECIMAL(${precision ?? 38},${scale ?? 0}))`, after];
      }
      case 'IFF': {
        const [condition, then, otherwise] = args();
        return [`(CASE WHEN ${condition} THEN ${then} ELSE ${otherwise ?? 'NULL'} END)`, after];
      }
      case 'NVL':
      case 'IFNULL':
        return [`COALESCE(${args().join(', ')})`, after];
      case 'CURRENT_TIMESTAMP':
      case 'SYSDATE':
      case 'LOCALTIMESTAMP':
        return ['CURRENT_TIMESTAMP', after];
      case 'CURRENT_DATE':
        return ['CURRENT_DATE', after];
      // Context functions: the session's user and primary role, as text.
      // https://docs.snowflake.com/en/sql-reference/functions/current_user
      // https://docs.snowflake.com/en/sql-reference/functions/current_role
      case 'CURRENT_USER':
        if (close !== open + 1) throw sqlErrors.syntax('CURRENT_USER takes no argument');
        return [this.sessionText(this.context.currentUser), after];
      case 'CURRENT_ROLE':
        if (close !== open + 1) throw sqlErrors.syntax('CURRENT_ROLE takes no argument');
        return [this.sessionText(this.context.currentRole), after];
      case 'CAST':
      case 'TRY_CAST':
        return this.cast(name, open, close);
      default:
        return undefined;
    }
  }

  /**
   * `TABLE(FLATTEN(INPUT => expr))` over an array or object: a relation with Snowflake's `SEQ`,
   * `KEY`, `PATH`, `INDEX`, `VALUE` columns. https://docs.snowflake.com/en/sql-reference/functions/flatten
   */
  private flatten(open: number, close: number): [string, number] {
    const inner = this.tokens[open + 1];
    if (!isWord(inner, 'FLATTEN') || !isOp(this.tokens[open + 2], '('))
      throw sqlErrors.unsupported('TABLE() over anything but FLATTEN');
    const innerClose = matchingParen(this.tokens, open + 2);
    if (innerClose + 1 !== close) throw sqlErrors.syntax('after FLATTEN(...)');
    const items = splitTopLevel(this.tokens, open + 3, innerClose);
    if (items.length !== 1) throw sqlErrors.unsupported('FLATTEN arguments other than INPUT');
    let [from, to] = items[0] as [number, number];
    if (isWord(this.tokens[from], 'INPUT') && isOp(this.tokens[from + 1], '=>')) from += 2;
    const input = this.range(from, to).trim();
    // Whether the input is an array or an object is read from each element's `fullkey` (`$[0]` for
    // an array's element, `$.name` for an object's member, `$` for a scalar input), not from
    // json_type(input) per element: that would carry the whole input along every element and parse
    // it again for each, which made a FLATTEN over a bound array of n elements cost n² in the
    // input's size.
    return [
      `(SELECT 1 AS "SEQ", CASE WHEN starts_with(fullkey, '$.') THEN key END AS "KEY", ` +
        `CASE WHEN starts_with(fullkey, '$[') THEN CAST(key AS BIGINT) END AS "INDEX", ` +
        `fullkey AS "PATH", value AS "VALUE" FROM json_each(CAST(${input} AS JSON)))`,
      close + 1,
    ];
  }

  /** A session value as a VARCHAR literal (NULL when there is none). */
  private sessionText(value: string | undefined): string {
    return value === undefined ? 'CAST(NULL AS VARCHAR)' : `CAST(${quoteString(value)} AS VARCHAR)`;
  }

  /** The strptime/strftime form of a format argument, which must be a string literal. */
  private formatArgument([from, to]: [number, number], kind: 'strptime' | 'strftime' = 'strptime'): string {
    const token = this.tokens[from];
    if (to !== from + 1 || token?.type !== 'string')
      throw sqlErrors.unsupported('a format argument that is not a string literal');
    return snowflakeFormat(token.text, kind);
  }

  private sessionInputFormat(): string | undefined {
    const format = this.context.timestampInputFormat;
    return format && format.toUpperCase() !== 'AUTO' ? snowflakeFormat(format, 'strptime') : undefined;
  }

  private cast(name: string, open: number, close: number): [string, number] {
    let as = -1;
    let depth = 0;
    for (let i = open + 1; i < close; i++) {
      const token = this.tokens[i];
      if (isOp(token, '(')) depth++;
      else if (isOp(token, ')')) depth--;
      else if (depth === 0 && isWord(token, 'AS')) as = i;
    }
    if (as < 0) throw sqlErrors.syntax(`${name} without AS`);
    const value = this.range(open + 1, as).trim();
    const { type } = readSnowflakeType(this.tokens, as + 1);
    if (type.dataType === 'TIMESTAMP_TZ') {
      return [`${name === 'CAST' ? 'sf_to_timestamp_tz' : 'sf_try_to_timestamp_tz'}(${value})`, close + 1];
    }
    return [`${name}(${value} AS ${type.duckType})`, close + 1];
  }
}

/** A JSON path key for DuckDB: always quoted, so any character and any case is kept. */
function jsonKey(key: string): string {
  return `"${key.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * A Snowflake date/time format as DuckDB's strptime/strftime pattern. Only the elements listed are
 * known; any other is refused so a format is never silently read another way.
 * https://docs.snowflake.com/en/sql-reference/date-time-input-output#about-the-format-elements
 */
export function snowflakeFormat(format: string, kind: 'strptime' | 'strftime'): string {
  const elements: [RegExp, string][] = [
    [/^"([^"]*)"/, ''],
    [/^YYYY/i, '%Y'],
    [/^YY/i, '%y'],
    [/^MM/i, '%m'],
    [/^MON/i, '%b'],
    [/^DD/i, '%d'],
    [/^HH24/i, '%H'],
    [/^HH12/i, '%I'],
    [/^AM|^PM/i, '%p'],
    [/^MI/i, '%M'],
    [/^SS/i, '%S'],
    [/^FF[1-3]/i, '%g'],
    [/^FF[4-6]/i, '%f'],
    [/^FF[7-9]?/i, '%n'],
    [/^TZH:TZM/i, '%z'],
    [/^TZHTZM/i, '%z'],
    [/^[-:./ ,T]/, ''],
  ];
  let out = '';
  let rest = format;
  outer: while (rest.length > 0) {
    for (const [pattern, replacement] of elements) {
      const m = pattern.exec(rest);
      if (!m) continue;
      if (replacement === '') out += (m[1] ?? m[0]).replaceAll('%', '%%');
      else out += replacement;
      rest = rest.slice(m[0].length);
      continue outer;
    }
    throw sqlErrors.unsupported(
      `the ${kind === 'strptime' ? 'input' : 'output'} format element at '${rest.slice(0, 8)}'`,
    );
  }
  return out;
}
