import type { DataMap } from '../../datamap/dataMapSchema';
import { displayValue } from './displayValue';

/**
 * The data map with the texts the package shows from it (the controller block, each table's
 * disclosure and data categories) as row values are shown (`displayValue`, uncut): a
 * right-to-left override or a control character in them is shown as its code point or its
 * control picture instead of turning the text around it. Identifiers (tables, columns) are plain
 * names already.
 */
export function visibleDataMapTexts(map: DataMap): DataMap {
  const tables = (list: DataMap['postgres']) =>
    list.map((t) => ({
      ...t,
      categories: visibleDeep(t.categories),
      ...(t.disclosure ? { disclosure: visibleDeep(t.disclosure) } : {}),
    }));
  return {
    ...map,
    ...(map.controller ? { controller: visibleDeep(map.controller) } : {}),
    postgres: tables(map.postgres),
    snowflake: tables(map.snowflake),
  };
}

function visibleDeep<T>(value: T): T {
  if (typeof value === 'string') return displayValue(value, Number.POSITIVE_INFINITY).text as T;
  if (Array.isArray(value)) return value.map(visibleDeep) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visibleDeep(v)])) as T;
  return value;
}
