import { discriminatorBeside } from '../postgres/discriminatorBeside';
import type { PgColumn, PgTable } from '../postgres/readPgCatalog';
import { nameWords } from '../scan/detectors/Detector';
import { singularOf } from './identityRules';

/** A column whose name says it refers to another table's key, before its values are compared. */
export interface NameReference {
  /** `schema.table` holding the referencing column. */
  readonly table: string;
  readonly column: string;
  /** `schema.table` the name points at. */
  readonly target: string;
  readonly targetColumn: string;
}

const PLAIN = /^[A-Za-z_][A-Za-z0-9_$]*$/;
/** Type categories a reference is made of: numbers, strings, uuids (`pg_type.typcategory`). */
const KEY_CATEGORIES = new Set(['N', 'S', 'U']);

/**
 * Proposes references from naming conventions, for schemas that declare no foreign keys:
 * `customer_id` → `customer.id` or `customers.id`; `billing_address_id` → `address.id`, the longest
 * trailing part of the name that is a table's name (singular or plural) winning. The target column
 * is the table's single-column primary key, else a single-column unique key, else a column `id`.
 * A table's reference to itself (`referred_by_customer_id` in `customers`) is not proposed: it
 * would reach other people's rows. Columns in `skip` (already covered by a foreign key) are passed.
 */
export function referencesByName(
  tables: readonly PgTable[],
  skip: ReadonlySet<string> = new Set(),
): { references: NameReference[]; notes: { table: string; note: string }[] } {
  const bySingular = new Map<string, PgTable[]>();
  for (const t of tables) {
    const key = singularOf(t.name);
    bySingular.set(key, [...(bySingular.get(key) ?? []), t]);
  }
  const references: NameReference[] = [];
  const notes: { table: string; note: string }[] = [];
  for (const from of tables) {
    const fromId = `${from.schema}.${from.name}`;
    for (const column of from.columns) {
      if (!PLAIN.test(column.name) || skip.has(`${fromId}.${column.name}`)) continue;
      const words = nameWords(column.name);
      if (words.length < 2 || words.at(-1) !== 'id') continue;
      const prefix = words.slice(0, -1);
      const fits = prefix.some((_, k) => bySingular.has(singularOf(prefix.slice(k).join('_'))));
      const beside = discriminatorBeside(from, column.name);
      // `record_id` beside `record_type` (Rails' attachments, taggings): no table is named `record`,
      // the type column names it per row. Said, so the table's rows are not left out unmentioned.
      if (!fits && beside)
        notes.push({
          table: fromId,
          note: `${column.name} is not followed: it sits beside ${beside}, so it refers to rows of the tables ${beside} names; to follow it to one of them, write follow: { ${column.name}: <schema.table.id> } with followWhere: { ${column.name}: { ${beside}: <the value naming that table> } }`,
        });
      for (let k = 0; k < prefix.length; k++) {
        const named = bySingular.get(singularOf(prefix.slice(k).join('_')));
        if (!named) continue;
        const sameSchema = named.filter((t) => t.schema === from.schema);
        const candidates = named.length === 1 ? named : sameSchema;
        if (candidates.length !== 1) {
          notes.push({
            table: fromId,
            note: `${column.name} is not followed: its name fits ${named.length} tables in other schemas`,
          });
          break;
        }
        const [target] = candidates as [PgTable];
        const targetId = `${target.schema}.${target.name}`;
        const key = keyColumnOf(target);
        if (targetId === fromId) {
          if (key?.name !== column.name)
            notes.push({
              table: fromId,
              note: `${column.name} is not followed: it refers to its own table, and would reach other people's rows`,
            });
          break;
        }
        if (!key) {
          notes.push({
            table: fromId,
            note: `${column.name} is not followed: ${targetId} has no single-column key or id column`,
          });
          break;
        }
        if (!compatible(column, key)) {
          notes.push({
            table: fromId,
            note: `${column.name} is not followed: its type ${column.typeName} cannot join ${targetId}.${key.name} (${key.typeName})`,
          });
          break;
        }
        const beside = discriminatorBeside(from, column.name);
        if (beside) {
          notes.push({
            table: fromId,
            note: `${column.name} is not followed: it sits beside ${beside}, so it may refer to rows of several tables; to follow it to ${targetId}.${key.name}, write the follow with followWhere: { ${column.name}: { ${beside}: <the value naming ${target.name}> } }`,
          });
          break;
        }
        references.push({ table: fromId, column: column.name, target: targetId, targetColumn: key.name });
        break;
      }
    }
  }
  return { references, notes };
}

/**
 * The column other tables refer to a table by: its single-column key, or, for a table that
 * declares no key at all, its `id` column. A table keyed by several columns (`users (tenant_id,
 * id)`) has none: its `id` names a row only with the other columns, so a reference by `id` alone,
 * or `id` as an identity, would reach one row in each tenant.
 */
export function keyColumnOf(table: PgTable): PgColumn | undefined {
  const single = [table.primaryKey, ...table.uniqueKeys].find((k) => k?.length === 1)?.[0];
  const keyless = table.primaryKey === undefined && table.uniqueKeys.length === 0;
  const name = single ?? (keyless && table.columns.some((c) => c.name === 'id') ? 'id' : undefined);
  const column = table.columns.find((c) => c.name === name);
  return column && PLAIN.test(column.name) ? column : undefined;
}

function compatible(a: PgColumn, b: PgColumn): boolean {
  if (a.category !== b.category || !KEY_CATEGORIES.has(a.category)) return false;
  return a.category !== 'U' || a.castType === b.castType;
}
