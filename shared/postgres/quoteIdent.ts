import { InvalidArgumentError } from '../errors/errors';
/** Quotes an identifier for PostgreSQL (`"a""b"`). Names come only from the validated data map. */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new InvalidArgumentError('an identifier cannot contain NUL');
  return `"${name.replace(/"/g, '""')}"`;
}
