import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ErasureState,
  type ErasureStateStore,
  erasureStateText,
  parseErasureState,
} from '../shared/erasure/ErasureStateStore';
import { makePrivateDirectory, writePrivateFile } from '../shared/files/writePrivateFile';

/**
 * `dsr erase`'s erasure state: one owner-only file per request, `<dir>/<requestId>.json` (the
 * directory 0700), replaced whole by a rename on each write so a crash leaves the previous state.
 * Request ids are checked by the command (letters, digits and `. _ : -`), so they name a file.
 */
export class FileErasureStateStore implements ErasureStateStore {
  constructor(private readonly dir: string) {}

  locationOf(requestId: string): string {
    return join(this.dir, `${requestId}.json`);
  }

  async read(requestId: string): Promise<ErasureState | undefined> {
    let text: string;
    try {
      text = await readFile(this.locationOf(requestId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return parseErasureState(text, requestId);
  }

  async write(state: ErasureState): Promise<void> {
    await makePrivateDirectory(this.dir);
    await writePrivateFile(this.locationOf(state.requestId), erasureStateText(state));
  }
}
