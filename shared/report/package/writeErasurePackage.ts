import type { DataMap } from '../../datamap/dataMapSchema';
import type { ErasureReceipt, ReceiptTable } from '../../erasure/buildErasureReceipt';
import { erasureReceiptText } from '../../erasure/erasureReceiptText';
import { humaniseTableName } from './humaniseTableName';
import { type PackageDestination, type PackagedFile, PackageFile, sinkOf } from './PackageFile';
import { renderPage } from './packageTemplates';
import { type PackageTimeline, timelineView } from './packageTimeline';
import { visibleDataMapTexts } from './visibleDataMapTexts';
import { chooseLanguage, type Wording, Wording as WordingOf } from './Wording';
import type { WrittenPackage } from './writeAccessPackage';
import { writeManifest } from './writeManifest';

export type ErasurePackageInput = ErasurePackageFields & PackageDestination;

interface ErasurePackageFields {
  /** The stored receipt, already verified against its hash and the ledger. */
  readonly receipt: ErasureReceipt;
  /** For table titles, the controller's contacts and the default language; optional. */
  readonly dataMap?: DataMap;
  /** The language the subject asked in; else the map's default, else English. */
  readonly language?: string;
  readonly timeline?: PackageTimeline;
}

/**
 * Writes the erasure confirmation as a package: `index.html` (what was done, place by place, in
 * plain words; rights and contacts; receipt and plan hashes and the timeline in the appendix),
 * `receipt.json` (the stored receipt's canonical JSON, byte for byte) and `manifest.json`. No
 * clock is read: the same receipt gives the same files.
 */
export async function writeErasurePackage(input: ErasurePackageInput): Promise<WrittenPackage> {
  const { receipt } = input;
  // Texts from the data map are shown as values are: a bidirectional control cannot turn them around.
  const dataMap = input.dataMap && visibleDataMapTexts(input.dataMap);
  const sink = sinkOf(input);
  const wording = WordingOf.of(chooseLanguage(input.language, dataMap?.controller?.language ?? 'en'));
  const titles = new Map(
    [...(dataMap?.postgres ?? []), ...(dataMap?.snowflake ?? [])].map((t) => [t.table, t.disclosure?.title]),
  );
  const title = (table: string) => titles.get(table) ?? humaniseTableName(table);
  const verdict =
    receipt.outcome === 'erased'
      ? wording.t('erasure.erased')
      : wording.t('erasure.unverified', {
          places: receipt.remaining.map((r) => title(r.table)).join(', '),
        });
  const html = renderPage('erasure', {
    wording,
    lang: wording.language,
    title: wording.t('erasure.title'),
    controller: dataMap?.controller,
    receipt,
    completedDate: receipt.completedAt.slice(0, 10),
    verdict,
    tables: receipt.tables.map((t) => ({
      system: t.system,
      table: t.table,
      title: title(t.table),
      action: actionText(t, wording),
      found: t.found,
      deleted: t.deleted,
      masked: t.masked,
      retained: t.retained,
      unrecoverable:
        t.unrecoverableAfterDays === null
          ? t.unrecoverableBasis
          : wording.count('erasure.days', t.unrecoverableAfterDays, { basis: t.unrecoverableBasis }),
    })),
    timeline: timelineView(input.timeline, wording),
  });
  const receiptText = `${erasureReceiptText(receipt)}\n`;
  await sink.prepare([]);
  const files: PackagedFile[] = [];
  for (const [path, text] of [
    ['index.html', html],
    ['receipt.json', receiptText],
  ] as const)
    files.push(await PackageFile.write(sink, path, text));
  const manifest = await writeManifest(sink, files, {
    kind: 'erasure',
    language: wording.language,
    outcome: receipt.outcome,
    receiptHash: receipt.receiptHash,
    requestId: receipt.requestId,
    subject: { hash: receipt.subject.hash },
  });
  return {
    dir: sink.location,
    language: wording.language,
    files: [...files, manifest],
    rows: 0,
    evidenceHash: receipt.findingsHash,
  };
}

function actionText(t: ReceiptTable, wording: Wording): string {
  switch (t.action) {
    case 'delete':
      return wording.t('erasure.delete');
    case 'mask':
      return wording.t('erasure.mask', { columns: t.maskedColumns.join(', ') });
    case 'retain':
      return t.until
        ? wording.t('erasure.retainUntil', { until: t.until, ground: t.ground ?? '' })
        : wording.t('erasure.retain', { ground: t.ground ?? '' });
    case 'none':
      return wording.t('erasure.none');
  }
}
