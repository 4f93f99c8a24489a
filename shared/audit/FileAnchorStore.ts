import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnchorStore, LedgerAnchor } from './LedgerAnchor';

const FILE = /^(\d{4}-\d{2}-\d{2})\.json$/;

/**
 * Anchors as files `<dir>/<date>.json`, each created once (`wx`: an existing file is never
 * replaced). For the local runtime and tests: the local S3 (s3rver) has no Object Lock, and a file
 * anyone can edit is no protection, so `dsr verify` also chains anchors to each other. Deployed,
 * anchors go to the Object Lock bucket (`S3AnchorStore`).
 */
export class FileAnchorStore implements AnchorStore {
  constructor(private readonly dir: string) {}

  async put(anchor: LedgerAnchor): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFile(join(this.dir, `${anchor.date}.json`), `${JSON.stringify(anchor, null, 2)}\n`, {
      flag: 'wx',
    });
  }

  async list(): Promise<{ date: string; text: string }[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const dates = names.flatMap((n) => FILE.exec(n)?.[1] ?? []).sort();
    return Promise.all(
      dates.map(async (date) => ({ date, text: await readFile(join(this.dir, `${date}.json`), 'utf8') })),
    );
  }
}
