import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPipelineFixture, startLocalPipelineFixture } from '../../support/localPipelineFixture';

let fixture: LocalPipelineFixture;

beforeAll(async () => {
  fixture = await startLocalPipelineFixture();
});

afterAll(async () => {
  await fixture?.stop();
});

describe('Completion events through the local pipeline', () => {
  it('announces an answered access request and a request cancelled through intake, with no identifier', async () => {
    const { pipeline } = fixture;
    const ana = fixture.subjects.find((s) => s.label === 'ana');
    const bob = fixture.subjects.find((s) => s.label === 'bob');
    if (!ana || !bob) throw new Error('the fixture knows ana and bob');
    const answered = fixture.request(ana, { tag: 'DONE' });
    const cancelled = fixture.request(bob, { tag: 'STOP' });

    // The second is cancelled through intake once past the gate, before it is loaded.
    await fixture.submit([cancelled]);
    for (const poller of [pipeline.pollers.high, pipeline.pollers.gate])
      while ((await poller.pollOnce(0)).received > 0);
    await pipeline.submit(
      JSON.stringify({ action: 'cancel', requestId: cancelled.requestId, reason: 'identity_not_verified' }),
      'high',
    );
    await fixture.submit([answered]);
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
    const text = JSON.stringify(events);
    for (const value of [...ana.pii, ...bob.pii]) expect(text).not.toContain(value);
  }, 180_000);
});
