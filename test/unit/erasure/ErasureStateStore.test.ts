import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileErasureStateStore } from '../../../cli/FileErasureStateStore';
import { JsonNumber } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { evidenceHash, type Finding } from '../../../shared/discovery/FindingsDocument';
import { sealPlan } from '../../../shared/erasure/ErasurePlan';
import {
  type ErasureInProgress,
  erasureStateText,
  parseErasureState,
} from '../../../shared/erasure/ErasureStateStore';
import { IntegrityViolationError } from '../../../shared/errors/IntegrityViolationError';

const findings: Finding[] = [
  {
    system: 'snowflake',
    table: 'ANALYTICS.PUBLIC.EVENTS',
    key: { ID: '123456789012345678901234567890' },
    provenance: [],
    row: {
      ID: '123456789012345678901234567890',
      N: 7,
      DOC: { big: new JsonNumber('12345678901234567890.123') },
    },
  },
];
const plan = sealPlan({
  version: 1,
  requestId: 'r-1',
  subject: { hash: 'a'.repeat(64) },
  findingsHash: evidenceHash(findings),
  tables: [
    {
      system: 'snowflake',
      table: 'ANALYTICS.PUBLIC.EVENTS',
      action: 'delete',
      primaryKey: ['ID'],
      found: 1,
      rows: [{ key: { ID: '123456789012345678901234567890' }, rowHash: 'c'.repeat(64) }],
      approvalRequired: false,
    },
  ],
});

const state: ErasureInProgress = {
  kind: 'dsr.erasure-state',
  version: 1,
  phase: 'in_progress',
  requestId: 'r-1',
  subjectHash: 'a'.repeat(64),
  plan,
  findings: {
    requestId: 'r-1',
    subject: { hash: 'a'.repeat(64) },
    findings,
    counts: { snowflake: { 'ANALYTICS.PUBLIC.EVENTS': 1 } },
    evidenceHash: evidenceHash(findings),
  },
  known: { email: ['ana@x.test'] },
  steps: [
    { system: 'postgres', table: 'public.users', action: 'delete', planned: 1, changed: 1, alreadyDone: 0 },
  ],
};

describe('Function: parseErasureState', () => {
  it('reads back an in-progress state with its plan, steps and the findings’ exact numbers', () => {
    // Act
    const text = erasureStateText(state);
    const back = parseErasureState(text, 'r-1');

    // Assess
    expect(back.phase).toBe('in_progress');
    if (back.phase !== 'in_progress') return;
    expect(back.plan).toEqual(plan);
    expect(back.steps).toEqual(state.steps);
    expect(back.known).toEqual(state.known);
    expect(canonicalJson(back.findings.findings as never)).toBe(
      canonicalJson(state.findings.findings as never),
    );
    expect(erasureStateText(back)).toBe(text);
  });

  it('refuses a state whose plan no longer matches its hash, or that belongs to another request', () => {
    // Prepare: a key changed in the stored findings, and one in the stored plan.
    const text = erasureStateText(state);
    const inFindings = text.replace('"ID":"123456789012345678901234567890"', '"ID":"1"');
    const at = text.lastIndexOf('"ID":"123456789012345678901234567890"');
    const inPlan = `${text.slice(0, at)}"ID":"2"${text.slice(at + '"ID":"123456789012345678901234567890"'.length)}`;

    // Act / Assess
    for (const tampered of [inFindings, inPlan]) {
      expect(tampered).not.toBe(text);
      expect(() => parseErasureState(tampered, 'r-1')).toThrow(IntegrityViolationError);
    }
    expect(() => parseErasureState(text, 'r-2')).toThrow(IntegrityViolationError);
    expect(() => parseErasureState('{"kind":"dsr.erasure-state"}', 'r-1')).toThrow(IntegrityViolationError);
  });

  it('reads a record of an erased request, which holds no identifier', () => {
    // Prepare
    const text = erasureStateText({
      kind: 'dsr.erasure-state',
      version: 1,
      phase: 'erased',
      requestId: 'r-1',
      subjectHash: 'a'.repeat(64),
      planHash: plan.planHash,
      receiptHash: 'e'.repeat(64),
      receipt: '{"receiptHash":"eeee"}\n',
    });

    // Act
    const back = parseErasureState(text, 'r-1');

    // Assess
    expect(back).toMatchObject({ phase: 'erased', receiptHash: 'e'.repeat(64) });
    expect(text).not.toContain('ana@x.test');
  });
});

describe('Class: FileErasureStateStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dsr-erasure-state-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const second = {
    system: 'snowflake' as const,
    table: 'ANALYTICS.PUBLIC.EVENTS',
    action: 'delete' as const,
    planned: 1,
    changed: 1,
    alreadyDone: 0,
  };

  it('records a step without rewriting the plan and findings, and reads the steps back, also in a new process', async () => {
    // Prepare
    const store = new FileErasureStateStore(dir);
    await store.write(state);
    const before = await readFile(store.locationOf('r-1'), 'utf8');

    // Act
    await store.write({ ...state, steps: [...state.steps, second] });

    // Assess
    expect(await readFile(store.locationOf('r-1'), 'utf8')).toBe(before);
    const back = await new FileErasureStateStore(dir).read('r-1');
    expect(back?.phase === 'in_progress' && back.steps).toEqual([...state.steps, second]);
  });

  it('writes the whole state again for another plan, and ignores a steps file left for another plan', async () => {
    // Prepare: steps recorded for the plan, then a crash leaves that steps file beside a new plan's state.
    const store = new FileErasureStateStore(dir);
    await store.write(state);
    await store.write({ ...state, steps: [...state.steps, second] });
    const steps = await readFile(join(dir, 'r-1.steps.json'), 'utf8');
    const other = { ...state, known: { email: ['ana@x.test', 'b@x.test'] }, steps: [] };

    // Act
    await store.write(other);
    await writeFile(join(dir, 'r-1.steps.json'), steps.replace(plan.planHash, 'f'.repeat(64)));

    // Assess
    expect(await readFile(store.locationOf('r-1'), 'utf8')).toBe(erasureStateText(other));
    const back = await new FileErasureStateStore(dir).read('r-1');
    expect(back?.phase === 'in_progress' && back.steps).toEqual([]);
  });

  it('removes the steps file when the request is erased', async () => {
    // Prepare
    const store = new FileErasureStateStore(dir);
    await store.write(state);
    await store.write({ ...state, steps: [...state.steps, second] });

    // Act
    await store.write({
      kind: 'dsr.erasure-state',
      version: 1,
      phase: 'erased',
      requestId: 'r-1',
      subjectHash: 'a'.repeat(64),
      planHash: plan.planHash,
      receiptHash: 'b'.repeat(64),
      receipt: '{}',
    });

    // Assess
    expect(await readdir(dir)).toEqual(['r-1.json']);
    expect((await store.read('r-1'))?.phase).toBe('erased');
  });
});
