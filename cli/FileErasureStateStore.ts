import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { CanonicalValue } from '../shared/canonical/CanonicalValue';
import { canonicalJson } from '../shared/canonical/canonicalJson';
import {
  type ErasureInProgress,
  type ErasureState,
  type ErasureStateStore,
  erasureStateText,
  erasureStepSchema,
  parseErasureState,
} from '../shared/erasure/ErasureStateStore';
import type { ErasureStep } from '../shared/erasure/ErasureStep';
import { IntegrityViolationError } from '../shared/errors/IntegrityViolationError';
import { makePrivateDirectory, writePrivateFile } from '../shared/files/writePrivateFile';

/** The steps done so far of the plan the state file holds (`<requestId>.steps.json`). */
const stepsFile = z.strictObject({
  kind: z.literal('dsr.erasure-steps'),
  requestId: z.string().min(1),
  planHash: z.string().regex(/^[0-9a-f]{64}$/),
  steps: z.array(erasureStepSchema),
});

/**
 * `dsr erase`'s erasure state: one owner-only file per request, `<dir>/<requestId>.json` (the
 * directory 0700), replaced whole by a rename on each write so a crash leaves the previous state.
 * Request ids are checked by the command (letters, digits and `. _ : -`), so they name a file.
 *
 * A write that only adds steps to the plan this store last wrote or read (same plan, findings and
 * identifiers) replaces a small `<requestId>.steps.json` instead (same rename), so recording a
 * committed step does not rewrite a subject's plan and findings: their cost is paid once per plan,
 * not once per step. Reading takes the steps file when it names the state file's plan and extends
 * its steps; any other (left by a crash before a new plan's file was written) is ignored.
 */
export class FileErasureStateStore implements ErasureStateStore {
  /** Per request: what the state file holds apart from its steps (plan, findings, identifiers). */
  private readonly written = new Map<string, ErasureInProgress>();

  constructor(private readonly dir: string) {}

  locationOf(requestId: string): string {
    return join(this.dir, `${requestId}.json`);
  }

  private stepsLocation(requestId: string): string {
    return join(this.dir, `${requestId}.steps.json`);
  }

  async read(requestId: string): Promise<ErasureState | undefined> {
    const text = await readIfThere(this.locationOf(requestId));
    if (text === undefined) return undefined;
    const state = parseErasureState(text, requestId);
    if (state.phase !== 'in_progress') return state;
    this.written.set(requestId, state);
    const stepsText = await readIfThere(this.stepsLocation(requestId));
    if (stepsText === undefined) return state;
    let raw: unknown;
    try {
      raw = JSON.parse(stepsText);
    } catch {
      throw new IntegrityViolationError('findings_malformed', 'the erasure steps file is not JSON');
    }
    const parsed = stepsFile.safeParse(raw);
    if (!parsed.success || parsed.data.requestId !== requestId)
      throw new IntegrityViolationError(
        'findings_malformed',
        'the erasure steps file does not match its schema or request',
      );
    const { planHash, steps } = parsed.data;
    return planHash === state.plan.planHash && startsWith(steps, state.steps) ? { ...state, steps } : state;
  }

  async write(state: ErasureState): Promise<void> {
    await makePrivateDirectory(this.dir);
    const before = this.written.get(state.requestId);
    if (state.phase === 'in_progress' && before && sameExceptSteps(before, state)) {
      const steps: ErasureStep[] = [...state.steps];
      await writePrivateFile(
        this.stepsLocation(state.requestId),
        `${canonicalJson({ kind: 'dsr.erasure-steps', planHash: state.plan.planHash, requestId: state.requestId, steps } as unknown as CanonicalValue)}\n`,
      );
      return;
    }
    await writePrivateFile(this.locationOf(state.requestId), erasureStateText(state));
    // The state file now holds every step; a steps file left beside it is out of date.
    await unlink(this.stepsLocation(state.requestId)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    if (state.phase === 'in_progress') this.written.set(state.requestId, state);
    else this.written.delete(state.requestId);
  }
}

async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The same plan, findings and identifiers, and `b`'s steps extend those in the state file (`a`). */
function sameExceptSteps(a: ErasureInProgress, b: ErasureInProgress): boolean {
  return (
    a.subjectHash === b.subjectHash &&
    a.plan.planHash === b.plan.planHash &&
    a.findings.evidenceHash === b.findings.evidenceHash &&
    (a.known === b.known || JSON.stringify(a.known) === JSON.stringify(b.known)) &&
    startsWith(b.steps, a.steps)
  );
}

/** True when `longer` begins with every step of `prefix`. */
function startsWith(longer: readonly ErasureStep[], prefix: readonly ErasureStep[]): boolean {
  return (
    longer.length >= prefix.length && prefix.every((s, i) => JSON.stringify(s) === JSON.stringify(longer[i]))
  );
}
