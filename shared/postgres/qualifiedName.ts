import { InvalidArgumentError } from '../errors/errors';
import { quoteIdent } from './quoteIdent';

/**
 * `schema.table` of a relation read from the catalog, a part quoted as PostgreSQL quotes it only
 * where it holds a dot or a double quote (`"rep.orts".user_emails`), so that the name splits back
 * into the same two parts: the data map's names, which hold neither, read as before.
 */
export function qualifiedName(schema: string, name: string): string {
  const part = (p: string) => (p.includes('.') || p.includes('"') ? quoteIdent(p) : p);
  return `${part(schema)}.${part(name)}`;
}

/** The schema and the name of a {@link qualifiedName} (or a data map's `schema.table`). */
export function splitQualifiedName(qualified: string): [schema: string, name: string] {
  const refused = () => new InvalidArgumentError(`${qualified} is not a schema-qualified name`);
  // One part from `at`: a quoted identifier (`""` inside is a quote), or the text up to the next dot.
  const partAt = (at: number): [part: string, next: number] => {
    if (qualified[at] !== '"') {
      const dot = qualified.indexOf('.', at);
      const end = dot < 0 ? qualified.length : dot;
      return [qualified.slice(at, end), end];
    }
    let part = '';
    for (let i = at + 1; i < qualified.length; i++) {
      if (qualified[i] !== '"') part += qualified[i];
      else if (qualified[i + 1] === '"') part += qualified[++i];
      else return [part, i + 1];
    }
    throw refused();
  };
  const [schema, dot] = partAt(0);
  if (qualified[dot] !== '.') throw refused();
  const [name, end] = partAt(dot + 1);
  if (end !== qualified.length || schema === '' || name === '') throw refused();
  return [schema, name];
}

/** `"schema"."table"` for SQL, from a {@link qualifiedName}. */
export function quoteQualifiedName(qualified: string): string {
  const [schema, name] = splitQualifiedName(qualified);
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}
