import { sqlErrors } from './SnowflakeSqlError';

/** One lexical token of Snowflake SQL. */
export interface SqlToken {
  readonly type: 'word' | 'quoted' | 'string' | 'number' | 'param' | 'op';
  /** For `word`: the text as written; `quoted`: the identifier without quotes; `string`: the decoded value; `param`: the 1-based position, or '' for `?`. */
  readonly text: string;
  /** Whether whitespace or a comment preceded the token (kept so the translation reads naturally). */
  readonly spaceBefore: boolean;
}

const OPERATORS = ['::', '<=', '>=', '<>', '!=', '||', '=>', '->'];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' };

/**
 * Splits Snowflake SQL into tokens. String literals are decoded (Snowflake reads backslash escapes
 * and doubled quotes); comments are dropped. `?` and `:1` placeholders become `param` tokens.
 */
export function tokenizeSql(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  let space = false;
  const push = (type: SqlToken['type'], text: string) => {
    tokens.push({ type, text, spaceBefore: space });
    space = false;
  };
  while (i < sql.length) {
    const c = sql.charAt(i);
    if (/\s/.test(c)) {
      space = true;
      i++;
    } else if (sql.startsWith('--', i) || sql.startsWith('//', i)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      space = true;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw sqlErrors.syntax('unterminated comment');
      i = end + 2;
      space = true;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= sql.length) throw sqlErrors.syntax('unterminated string literal');
        const d = sql.charAt(i);
        if (d === "'") {
          if (sql.charAt(i + 1) === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (d === '\\' && i + 1 < sql.length) {
          const e = sql.charAt(i + 1);
          value += ESCAPES[e] ?? e;
          i += 2;
          continue;
        }
        value += d;
        i++;
      }
      push('string', value);
    } else if (sql.startsWith('$$', i)) {
      const end = sql.indexOf('$$', i + 2);
      if (end === -1) throw sqlErrors.syntax('unterminated string literal');
      push('string', sql.slice(i + 2, end));
      i = end + 2;
    } else if (c === '"') {
      let name = '';
      i++;
      for (;;) {
        if (i >= sql.length) throw sqlErrors.syntax('unterminated quoted identifier');
        const d = sql.charAt(i);
        if (d === '"') {
          if (sql.charAt(i + 1) === '"') {
            name += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        name += d;
        i++;
      }
      push('quoted', name);
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql.charAt(i + 1)))) {
      const match = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(sql.slice(i));
      const text = match?.[0] ?? c;
      push('number', text);
      i += text.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i));
      const text = match?.[0] ?? c;
      push('word', text);
      i += text.length;
    } else if (c === '?') {
      push('param', '');
      i++;
    } else if (c === ':' && /[0-9]/.test(sql.charAt(i + 1)) && !followsOperand(tokens.at(-1), space)) {
      const match = /^\d+/.exec(sql.slice(i + 1));
      const text = match?.[0] ?? '';
      push('param', text);
      i += 1 + text.length;
    } else {
      const op = OPERATORS.find((o) => sql.startsWith(o, i)) ?? c;
      push('op', op);
      i += op.length;
    }
  }
  return tokens;
}

/** A `:` right after an operand is Snowflake's semi-structured path operator, not a placeholder. */
function followsOperand(previous: SqlToken | undefined, space: boolean): boolean {
  if (!previous || space) return false;
  return (
    previous.type === 'word' ||
    previous.type === 'quoted' ||
    (previous.type === 'op' && (previous.text === ')' || previous.text === ']'))
  );
}

/** True when the token is the given keyword (case-insensitive). */
export function isWord(token: SqlToken | undefined, ...words: string[]): boolean {
  return token?.type === 'word' && words.includes(token.text.toUpperCase());
}

/** True when the token is the given operator or punctuation. */
export function isOp(token: SqlToken | undefined, op: string): boolean {
  return token?.type === 'op' && token.text === op;
}
