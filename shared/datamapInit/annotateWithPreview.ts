import type { DataMapPreview } from '../datamapPreview/previewDataMap';
import { percent } from '../datamapPreview/previewDataMap';
import type { InitialDataMap } from './InitialDataMap';

/**
 * Writes what the preview of a proposed map found beside the edges that break the limits: each
 * follow edge of a table some sampled subject reaches more than `maxShare` of (on tables of at
 * least `minRowsForShare` rows) gets the figures in its comment, and the table a note saying to
 * review them. The edges stay proposed: the figures are measured on a sample, and the reviewer
 * decides; `dsr datamap preview` exits 1 on the same map until they do.
 */
export function annotateWithPreview(
  proposal: InitialDataMap,
  preview: DataMapPreview,
  limits: { readonly maxShare: number; readonly minRowsForShare: number },
): InitialDataMap {
  const over = new Map(
    preview.tables
      .filter((t) => t.rows >= limits.minRowsForShare && t.maxShare > limits.maxShare)
      .map((t) => [t.table, t]),
  );
  return {
    ...proposal,
    postgres: proposal.postgres.map((t) => {
      const found = over.get(t.table);
      if (!found || t.follow.size === 0) return t;
      const figures = `preview: a sampled subject reached ${found.max} rows, ${percent(found.maxShare)} of ${t.table} (above ${percent(limits.maxShare)})`;
      return {
        ...t,
        notes: [
          ...t.notes,
          `${figures}; median ${found.median}, p99 ${found.p99} over ${preview.subjects} sampled subjects: review the follow edges below`,
        ],
        follow: new Map(
          [...t.follow].map(([column, refs]) => [
            column,
            refs.map((r) => ({ ...r, reason: `${r.reason}; ${figures}` })),
          ]),
        ),
      };
    }),
  };
}
