import type { DataMap } from '../datamap/dataMapSchema';
import type { FindingsDocument } from '../discovery/FindingsDocument';
import type { System, TableSearcher } from '../discovery/SearchableTable';
import type { ErasurePlan } from './ErasurePlan';
import { partialKeyMatches } from './planErasure';
import type { ErasureCatalog } from './readErasureCatalog';
import { rediscover } from './rediscover';
import { type ErasureVerification, verifyErasure } from './verifyErasure';

/**
 * The proof after an erasure: discovery again from every identifier `known` before the erasure and
 * the followed values of the rows `findings` held (see `rediscover`, `verifyErasure`).
 */
export function proveErasure(
  deps: {
    readonly dataMap: DataMap;
    readonly searchers: Partial<Record<System, TableSearcher>>;
    readonly subjectHashKey: string | Buffer;
    readonly catalog: ErasureCatalog;
  },
  input: {
    readonly requestId: string;
    readonly plan: ErasurePlan;
    readonly findings: FindingsDocument;
    readonly known: Record<string, string[]>;
  },
): Promise<ErasureVerification> {
  return verifyErasure(
    {
      dataMap: deps.dataMap,
      discover: (identifiers) =>
        rediscover(deps, { requestId: input.requestId, findings: input.findings, identifiers }),
      notSubject: (again) => partialKeyMatches(again, deps.catalog, input.findings),
    },
    input.plan,
    input.known,
  );
}
