/** Deeper structures are not walked: a sample is for classification, not an audit. */
const MAX_DEPTH = 32;
/** Leaves visited in one value at most. */
const MAX_LEAVES = 2000;

/**
 * Calls `visit` for each string or number leaf of a parsed JSON value with its path: object keys
 * joined by dots, array elements as `[]` (`profile.contact.email`, `phones[].number`), so every
 * element of an array counts towards one path. `key` is the nearest object key, the leaf's name.
 */
export function forEachJsonLeaf(
  value: unknown,
  visit: (path: string, key: string, leaf: string) => void,
): void {
  let leaves = 0;
  const walk = (node: unknown, path: string, key: string, depth: number): void => {
    if (leaves >= MAX_LEAVES || depth > MAX_DEPTH || node === null) return;
    if (typeof node === 'string' || typeof node === 'number') {
      leaves++;
      visit(path, key, String(node));
    } else if (Array.isArray(node)) {
      for (const item of node) walk(item, `${path}[]`, key, depth + 1);
    } else if (typeof node === 'object') {
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
        walk(v, path === '' ? k : `${path}.${k}`, k, depth + 1);
      }
    }
  };
  walk(value, '', '', 0);
}

/** Parses text that holds a JSON object or array; undefined for anything else. */
export function parseJsonContainer(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The text of a JSON string or number document (`"a"`, `42`); undefined for anything else. */
export function parseJsonScalar(text: string): string | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  } catch {
    return undefined;
  }
}
