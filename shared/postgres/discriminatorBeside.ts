import type { PgTable } from './readPgCatalog';

/** Names beside `<p>_id` that say which table it refers to (Rails and Laravel `_type`, Django's `content_type_id`). */
const DISCRIMINATOR_SUFFIXES = ['_type', '_kind', '_table', '_class', '_model'];

/**
 * The column beside a follow column that says which table the follow column refers to
 * (`commentable_type` beside `commentable_id`, `content_type_id` beside `object_id`), compared
 * case-insensitively; undefined when there is none.
 */
export function discriminatorBeside(table: PgTable, column: string): string | undefined {
  const lower = column.toLowerCase();
  const names =
    lower === 'object_id'
      ? ['content_type_id', 'content_type']
      : lower.endsWith('_id') && lower.length > 3
        ? DISCRIMINATOR_SUFFIXES.map((s) => `${lower.slice(0, -3)}${s}`)
        : [];
  return table.columns.find((c) => names.includes(c.name.toLowerCase()))?.name;
}
