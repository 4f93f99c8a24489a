import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { makePrivateDirectory, writePrivateFile } from '../../shared/files/writePrivateFile';
import { PIPELINE_QUEUES, type PipelineQueueName } from '../aws/startLocalAws';

/** The last message of one request that one queue delivered. */
export interface JournalEntry {
  readonly requestId: string;
  readonly queue: PipelineQueueName;
  /** The message as it came: an intake message names the subject, so it lives in an owner-only file. */
  readonly body: string;
}

const entrySchema = z.strictObject({
  requestId: z.string().min(1),
  queue: z.enum(PIPELINE_QUEUES),
  body: z.string(),
});

/**
 * The messages of unfinished requests, as the queues delivered them: per request and queue, the
 * first intake message and the latest stage message, one owner-only file each, named by a hash of
 * the request id. The local runtime's queues live in memory and the ledger holds no identifiers;
 * this is what a restarted runtime sends again, and each stage then decides from the ledger what
 * is left to do (a duplicate changes nothing; a stage that finished but may not have handed on
 * hands on again). A request's files are removed as soon as it is finished, so identifiers are
 * kept no longer than the request needs them.
 */
export class MessageJournal {
  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<MessageJournal> {
    await makePrivateDirectory(dir);
    return new MessageJournal(dir);
  }

  /**
   * Keeps a delivered message that names a request (an action, or a body that names none, is not
   * kept: the first changes the ledger when it is handled, the second is dead-lettered). Of an
   * intake queue, the first message of a request id is kept: the one the ledger recorded.
   */
  async record(queue: PipelineQueueName, body: string): Promise<void> {
    const requestId = requestIdOf(body);
    if (requestId === undefined) return;
    const file = this.fileOf(requestId, queue);
    const intake = queue === 'high' || queue === 'standard';
    if (intake && (await this.entries(requestId)).some((e) => e.queue === 'high' || e.queue === 'standard'))
      return;
    await writePrivateFile(file, JSON.stringify({ requestId, queue, body } satisfies JournalEntry));
  }

  /** Every kept message (of one request, when given), by request id and in the pipeline's order. */
  async entries(requestId?: string): Promise<JournalEntry[]> {
    const prefix = requestId === undefined ? '' : `${hashOf(requestId)}.`;
    const names = (await readdir(this.dir)).filter((n) => n.startsWith(prefix) && n.endsWith('.json'));
    const out: JournalEntry[] = [];
    for (const name of names) {
      const text = await readFile(join(this.dir, name), 'utf8').catch(() => 'null');
      const parsed = entrySchema.safeParse(JSON.parse(text));
      if (parsed.success) out.push(parsed.data);
    }
    const order = (e: JournalEntry) => PIPELINE_QUEUES.indexOf(e.queue);
    return out.sort((a, b) =>
      a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : order(a) - order(b),
    );
  }

  /** The request ids with kept messages. */
  async requestIds(): Promise<string[]> {
    return [...new Set((await this.entries()).map((e) => e.requestId))];
  }

  /** Forgets a finished request's messages. */
  async remove(requestId: string): Promise<void> {
    for (const queue of PIPELINE_QUEUES) await rm(this.fileOf(requestId, queue), { force: true });
  }

  private fileOf(requestId: string, queue: PipelineQueueName): string {
    return join(this.dir, `${hashOf(requestId)}.${queue}.json`);
  }
}

function hashOf(requestId: string): string {
  return createHash('sha256').update(requestId).digest('hex').slice(0, 32);
}

/** The request id a message names (not an action's); undefined for anything else. */
function requestIdOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { requestId?: unknown; action?: unknown };
    return typeof parsed.requestId === 'string' && parsed.requestId !== '' && parsed.action === undefined
      ? parsed.requestId
      : undefined;
  } catch {
    return undefined;
  }
}
