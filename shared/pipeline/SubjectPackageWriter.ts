import { requestClock } from '../audit/requestClock';
import type { DataMap } from '../datamap/dataMapSchema';
import type { FindingsSource } from '../discovery/FindingsStream';
import type { ErasureReceipt } from '../erasure/buildErasureReceipt';
import { UnexpectedDataError } from '../errors/errors';
import type { Ledger, LedgerEntry } from '../ledger/Ledger';
import type { PackageSink } from '../report/package/PackageSink';
import { type PackageRequest, writeAccessPackage } from '../report/package/writeAccessPackage';
import { writeErasurePackage } from '../report/package/writeErasurePackage';
import type { PackageWriter } from './PackageWriter';

export interface SubjectPackageWriterDeps {
  /** The data map the stage runs with: disclosures, controller and default language. */
  readonly dataMap: DataMap;
  /** The request's `received` entry says what the package states about the request. */
  readonly ledger: Pick<Ledger, 'history'>;
  /** Where a request's package goes (`packages/<request id>/` in the payload bucket). */
  readonly sinkFor: (requestId: string) => PackageSink;
}

/**
 * The {@link PackageWriter} of the pipeline: the package `dsr report --out` writes, from the
 * findings the stage verified (streamed part by part) or the receipt it stored, in the language
 * the request was received with (else the map's). The appendix has no ledger timeline: the ledger
 * is not finished when the package is written (`dsr report` adds it).
 */
export class SubjectPackageWriter implements PackageWriter {
  constructor(private readonly deps: SubjectPackageWriterDeps) {}

  async access(requestId: string, findings: FindingsSource): Promise<void> {
    const request = requestOf(requestId, await this.deps.ledger.history(requestId));
    await writeAccessPackage({
      source: findings,
      dataMap: this.deps.dataMap,
      request,
      sink: this.deps.sinkFor(requestId),
    });
  }

  async erasure(requestId: string, receipt: ErasureReceipt): Promise<void> {
    const { language } = requestOf(requestId, await this.deps.ledger.history(requestId));
    await writeErasurePackage({
      receipt,
      dataMap: this.deps.dataMap,
      ...(language ? { language } : {}),
      sink: this.deps.sinkFor(requestId),
    });
  }
}

/** What the `received` entry records of the request; the deadline as extensions moved it. */
function requestOf(requestId: string, history: readonly LedgerEntry[]): PackageRequest {
  const detail = history.find((e) => e.state === 'received')?.detail ?? {};
  const text = (key: string) => {
    const value = detail[key];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const missing = ['type', 'jurisdiction', 'receivedAt', 'deadline'].filter((k) => text(k) === undefined);
  if (missing.length > 0)
    throw new UnexpectedDataError(
      `request ${requestId}: the ledger's received entry does not record ${missing.join(', ')}, which the package states`,
    );
  const deadline = requestClock(history)?.deadline.toISOString() ?? (text('deadline') as string);
  const language = text('language');
  return {
    requestId,
    type: text('type') as string,
    jurisdiction: text('jurisdiction') as string,
    receivedAt: text('receivedAt') as string,
    deadline,
    ...(language ? { language } : {}),
  };
}
