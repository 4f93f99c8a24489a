import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalPipelineFixture, startLocalPipelineFixture } from '../../support/localPipelineFixture';
import { checkPipelineInvariant, describeReport } from '../../support/pipelineInvariant';

/** Runs the extract and gate stages until their queues are empty, leaving the load queue full. */
const runUpToLoad = (f: LocalPipelineFixture) => f.settle(['high', 'standard', 'gate']);

/**
 * The statement deadline (retries included) of every handler here: shorter than the local runtime's
 * 20 s, so a stall outlasts it and a stretch of refusals exhausts it in seconds, not tens of seconds.
 */
const STATEMENT_DEADLINE_MS = 5_000;

describe('Fault scenarios: Snowflake under the gate and the load', () => {
  let f: LocalPipelineFixture;
  beforeAll(async () => {
    f = await startLocalPipelineFixture({
      generatedSubjects: 6,
      env: { SNOWFLAKE_STATEMENT_TIMEOUT_MS: String(STATEMENT_DEADLINE_MS) },
    });
  }, 60_000);
  afterEach(() => {
    f.snowflake.faults.reset();
  });
  afterAll(async () => {
    await f?.stop();
  });

  async function assertAllLoaded(name: string, from: number) {
    const report = await checkPipelineInvariant(f);
    process.stdout.write(`${name}: ${describeReport(report)}\n`);
    expect(report.violations).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(f.submitted.slice(from).every((r) => report.states.get(r.requestId)?.[0] === 'loaded')).toBe(true);
  }

  for (const status of [503, 429]) {
    it(`a stretch of HTTP ${status} answers at the load: every request loads once`, {
      timeout: 60_000,
    }, async () => {
      const from = f.submitted.length;
      await f.submitMany(3, f.loadable, `SF${status}`);
      await runUpToLoad(f);
      f.snowflake.faults.failNext(6, status);
      await f.drain();
      const refused = f.snowflake.requests.filter((r) => r.status === status).length;
      expect(refused).toBe(6);
      await assertAllLoaded(`snowflake ${status}`, from);
    });
  }

  it("tags every warehouse search of the extractors with the stage and the request's hash", {
    timeout: 60_000,
  }, async () => {
    const seen = f.snowflake.requests.length;
    await f.submitMany(2, f.loadable, 'TAG');
    await f.drain();
    const searches = f.snowflake.requests
      .slice(seen)
      .filter((r) => /FROM "ANALYTICS"\."PUBLIC"\."WEB_SESSIONS"/.test(r.sqlText ?? ''));
    expect(searches.length).toBeGreaterThan(0);
    for (const r of searches) expect(r.queryTag).toMatch(/^dsr-bridge:extract-(high|standard):[0-9a-f]{16}$/);
    await assertAllLoaded('query tags', f.submitted.length - 2);
  });

  it('session tokens expire mid-load: the sessions renew and every request loads once', {
    timeout: 60_000,
  }, async () => {
    // Warm: every stage holds an open session.
    await f.submitMany(1, f.loadable, 'WARM');
    await f.drain();
    const from = f.submitted.length;
    await f.submitMany(3, f.loadable, 'EXPIRE');
    await runUpToLoad(f);
    const seen = f.snowflake.requests.length;
    f.snowflake.faults.expireSessions();
    await f.drain();
    const after = f.snowflake.requests.slice(seen);
    process.stdout.write(
      `after expiry: ${[...new Set(after.map((r) => `${r.kind}/${r.status}/${r.code ?? ''}`))].join(',')}\n`,
    );
    expect(after.some((r) => r.kind === 'token' || r.kind === 'login')).toBe(true);
    await assertAllLoaded('session expiry', from);
  });

  it('the answer is lost after the MERGE committed: the retry adds no duplicate row', {
    timeout: 60_000,
  }, async () => {
    const from = f.submitted.length;
    await f.submitMany(
      1,
      f.loadable.filter((s) => s.label === 'ana'),
      'DROP',
    );
    await runUpToLoad(f);
    const seen = f.snowflake.requests.length;
    // The load writes `loading` to the ledger (a MERGE), then MERGEs the findings: arm the drop as
    // soon as the first MERGE is seen, so it lands on the findings MERGE.
    let armed = false;
    const watch = () => {
      if (armed) return;
      if (f.snowflake.requests.slice(seen).some((r) => r.kind === 'merge')) {
        f.snowflake.faults.dropResponseAfterExecute(1);
        armed = true;
      } else setImmediate(watch);
    };
    watch();
    await f.drain();
    armed = true;
    const dropped = f.snowflake.requests.slice(seen).filter((r) => r.status === 0);
    process.stdout.write(`dropped answers: ${dropped.map((r) => r.kind).join(',')}\n`);
    expect(dropped.some((r) => r.kind === 'merge')).toBe(true);
    await assertAllLoaded('answer dropped after commit', from);
  });

  it('a stall longer than the statement deadline: the statement is abandoned, retried, and loads once', {
    timeout: 90_000,
  }, async () => {
    const from = f.submitted.length;
    await f.submitMany(2, f.loadable, 'STALL');
    await runUpToLoad(f);
    f.snowflake.faults.stallNext(1, STATEMENT_DEADLINE_MS + 2_000);
    const mark = f.lines.length;
    await f.drain(80_000);
    const codes = f.lines
      .slice(mark)
      .filter((l) => l.includes('"will retry"'))
      .map((l) => (JSON.parse(l) as { error?: { code?: string } }).error?.code);
    process.stdout.write(`stall: retry codes ${[...new Set(codes)].join(',')}\n`);
    expect(codes.length).toBeGreaterThan(0);
    await assertAllLoaded('stall past the deadline', from);
  });
});
