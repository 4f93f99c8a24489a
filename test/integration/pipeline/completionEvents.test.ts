import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3PayloadStore } from '../../../adapters/aws/S3PayloadStore';
import { sha256Hex } from '../../../shared/canonical/sha256';
import { type LocalPipelineFixture, startLocalPipelineFixture } from '../../support/localPipelineFixture';

let fixture: LocalPipelineFixture;

beforeAll(async () => {
  fixture = await startLocalPipelineFixture();
});

afterAll(async () => {
  await fixture?.stop();
});

/** Every key the bucket holds under a prefix. */
async function keysUnder(store: S3PayloadStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of store.list(prefix)) keys.push(...page);
  return keys;
}

describe('Completion events and packages through the local pipeline', () => {
  it('writes the package of an answered request where its completion event points; a cancelled or quarantined request gets an event and no package', async () => {
    const { pipeline } = fixture;
    const ana = fixture.subjects.find((s) => s.label === 'ana');
    const bob = fixture.subjects.find((s) => s.label === 'bob');
    const dana = fixture.subjects.find((s) => s.label === 'dana');
    if (!ana || !bob || !dana) throw new Error('the fixture knows ana, bob and dana');
    const answered = fixture.request(ana, { tag: 'DONE' });
    const cancelled = fixture.request(bob, { tag: 'STOP' });
    const drifted = fixture.request(dana, { tag: 'DRIFT' });

    // The second is cancelled through intake once past the gate, before it is loaded.
    await fixture.submit([cancelled]);
    for (const poller of [pipeline.pollers.high, pipeline.pollers.gate])
      while ((await poller.pollOnce(0)).received > 0);
    await pipeline.submit(
      JSON.stringify({ action: 'cancel', requestId: cancelled.requestId, reason: 'identity_not_verified' }),
      'high',
    );
    await fixture.submit([answered, drifted]);
    await fixture.drain();

    const events = pipeline.completions.events;
    const expected = await fixture.expectedDocument(ana);
    expect(events.find((e) => e.requestId === answered.requestId)).toMatchObject({
      type: 'access',
      state: 'loaded',
      final: true,
      packageLocation: `s3://${pipeline.aws.bucket}/packages/${answered.requestId}/`,
      evidenceHash: expected.evidenceHash,
    });
    expect(events.find((e) => e.requestId === cancelled.requestId)).toMatchObject({
      type: 'access',
      state: 'cancelled',
      reason: 'identity_not_verified',
    });
    expect(events.find((e) => e.requestId === cancelled.requestId)).not.toHaveProperty('packageLocation');
    expect(events.find((e) => e.requestId === drifted.requestId)).toMatchObject({ state: 'quarantined' });
    expect(events.find((e) => e.requestId === drifted.requestId)).not.toHaveProperty('packageLocation');
    const text = JSON.stringify(events);
    for (const value of [...ana.pii, ...bob.pii, ...dana.pii]) expect(text).not.toContain(value);

    // The package is where the event says, whole: every file the manifest lists hashes as listed.
    const store = new S3PayloadStore(pipeline.aws.s3, { bucket: pipeline.aws.bucket });
    const prefix = `packages/${answered.requestId}/`;
    const manifestObject = await store.get({ bucket: pipeline.aws.bucket, key: `${prefix}manifest.json` });
    if (!manifestObject) throw new Error('the answered request has no manifest in the bucket');
    const manifest = JSON.parse(manifestObject.body) as {
      kind: string;
      evidenceHash: string;
      files: { path: string; bytes: number; sha256: string }[];
    };
    expect(manifest).toMatchObject({ kind: 'access', evidenceHash: expected.evidenceHash });
    expect(manifest.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['index.html', 'evidence.json', expect.stringMatching(/^data\/.+\.csv$/)]),
    );
    for (const file of manifest.files) {
      const object = await store.get({ bucket: pipeline.aws.bucket, key: `${prefix}${file.path}` });
      expect({ path: file.path, sha256: object ? sha256Hex(object.body) : 'missing' }).toEqual({
        path: file.path,
        sha256: file.sha256,
      });
      expect(Buffer.byteLength(object?.body ?? '')).toBe(file.bytes);
    }
    expect((await keysUnder(store, prefix)).sort()).toEqual(
      [...manifest.files.map((f) => `${prefix}${f.path}`), `${prefix}manifest.json`].sort(),
    );
    expect(
      sha256Hex(
        (await store.get({ bucket: pipeline.aws.bucket, key: `${prefix}evidence.json` }))?.body ?? '',
      ),
    ).toBe(expected.evidenceHash);
    for (const ended of [cancelled, drifted])
      expect(await keysUnder(store, `packages/${ended.requestId}/`)).toEqual([]);
  }, 180_000);
});
