import { readFile } from 'node:fs/promises';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { DataMapProblem } from '../errors/errors';
import { DataMapError } from '../errors/errors';
import { checkDataMapStructure } from './checkDataMapStructure';
import { type DataMap, dataMapSchema } from './dataMapSchema';

/** Formats a path as `postgres[2].follow.user_id`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

/** Reads and validates a data map file; throws {@link DataMapError} naming the file, each path and line. */
export async function loadDataMap(file: string): Promise<DataMap> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new DataMapError(file, [
      { path: '', message: `cannot read the file (${(cause as Error).message})` },
    ]);
  }
  return parseDataMap(text, file);
}

/** Validates data map YAML text; `file` names it in errors. */
export function parseDataMap(text: string, file: string): DataMap {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new DataMapError(
      file,
      doc.errors.map((e) => ({
        path: '',
        message: e.message.split('\n')[0] ?? e.message,
        line: e.linePos?.[0]?.line,
      })),
    );
  }
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const located = (path: readonly PropertyKey[], message: string): DataMapProblem => ({
    path: formatPath(path),
    message,
    line: lineOf(path),
  });

  const parsed = dataMapSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new DataMapError(
      file,
      parsed.error.issues.map((issue) => located(issue.path, issue.message)),
    );
  }
  const problems = checkDataMapStructure(parsed.data);
  if (problems.length > 0)
    throw new DataMapError(
      file,
      problems.map((p) => located(p.path, p.message)),
    );
  return parsed.data;
}
