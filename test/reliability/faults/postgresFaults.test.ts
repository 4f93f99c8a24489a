import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LocalPipelineFixture,
  PIPELINE_APPLICATION_NAME,
  startLocalPipelineFixture,
} from '../../support/localPipelineFixture';
import {
  checkPipelineInvariant,
  describeReport,
  type InvariantReport,
} from '../../support/pipelineInvariant';
import { waitFor } from '../../support/waitFor';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Terminates the sessions the pipeline holds on the file's database (only those running a statement
 * when `activeOnly`); returns how many.
 */
async function terminatePipelineBackends(f: LocalPipelineFixture, activeOnly = false): Promise<number> {
  const { rows } = await f.sql(
    `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
      WHERE datname = $1 AND application_name = $2 ${activeOnly ? "AND state = 'active'" : ''}`,
    [f.database.name, PIPELINE_APPLICATION_NAME],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Sessions of the pipeline waiting for a lock. */
async function waitingOnLock(f: LocalPipelineFixture): Promise<number> {
  const { rows } = await f.sql(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = $1 AND application_name = $2 AND wait_event_type = 'Lock'`,
    [f.database.name, PIPELINE_APPLICATION_NAME],
  );
  return Number(rows[0]?.n ?? 0);
}

function retries(f: LocalPipelineFixture, from = 0): number {
  return f.lines.slice(from).filter((l) => l.includes('"will retry"')).length;
}

/** The error codes of the pipeline's `will retry` lines since line `from`. */
function retryCodes(f: LocalPipelineFixture, from: number): (string | undefined)[] {
  return f.lines
    .slice(from)
    .filter((l) => l.includes('"will retry"'))
    .map((l) => (JSON.parse(l) as { error?: { code?: string } }).error?.code);
}

describe('Fault scenarios: PostgreSQL under the extractor', () => {
  let f: LocalPipelineFixture;
  beforeAll(async () => {
    // Six generated users beside the personas: every kind of subject, a fault-free pass of 11 requests.
    f = await startLocalPipelineFixture({
      generatedSubjects: 6,
      // Circuits open for 1 s and retries back off at most 2 s (the local runtime: 3 s and 4 s), so
      // an outage's records come back within a second or two of the database's return.
      env: { DSR_BREAKER_OPEN_MS: '1000', DSR_BACKOFF_CAP_SECONDS: '2' },
    });
  }, 60_000);
  afterAll(async () => {
    await f?.stop();
  });

  it('a fault-free pass: every request reaches the state its subject calls for', {
    timeout: 60_000,
  }, async () => {
    const requests = await f.submitMany(f.subjects.length, f.subjects, 'BASE');
    await f.submit([f.malformedRequest()]);
    await f.drain();
    const report = await checkPipelineInvariant(f);
    process.stdout.write(`fault-free: ${describeReport(report)}\n`);
    expect(report.violations).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.counts.quarantined).toBe(1);
    expect(report.counts.dead_lettered).toBe(1);
    expect(report.counts.loaded).toBe(requests.length - 1);
  });

  it('backends terminated mid-sweep: every request still loads, exactly once', async () => {
    const mark = f.lines.length;
    let terminated = 0;
    await f.submitMany(12, f.loadable, 'KILL');
    // Sessions killed while they run a search statement: a short lock on one table holds the
    // searches there long enough to be caught. (Killing one between two statements of a
    // checked-out client is the soak's business: see test/chaos.)
    const holder = new pg.Client({ connectionString: f.database.dsn });
    await holder.connect();
    try {
      const drained = f.drain();
      for (let round = 0; round < 3; round++) {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE public.events IN ACCESS EXCLUSIVE MODE');
        const waiting = await waitFor(async () => (await waitingOnLock(f)) > 0, 5000);
        if (waiting) terminated += await terminatePipelineBackends(f, true);
        await holder.query('COMMIT');
        await sleep(300);
      }
      await drained;
    } finally {
      await holder.end();
    }
    const report = await checkPipelineInvariant(f);
    process.stdout.write(
      `terminate mid-sweep: ${terminated} backends terminated, ${retries(f, mark)} retries; ${describeReport(report)}\n`,
    );
    expect(terminated).toBeGreaterThan(0);
    expect(report.violations).toEqual([]);
    expect(report.unexpected).toEqual([]);
  }, 60_000);

  it('a lock held on one table past the lock timeout: the request backs off and loads once the lock goes', async () => {
    // The local runtime gives the pools no way to shorten statement_timeout (30 s): the role's
    // lock_timeout turns the wait on the locked table into the same kind of retryable cancellation.
    await f.sql(`ALTER ROLE ${f.appRole.name} SET lock_timeout = '200ms'`);
    await terminatePipelineBackends(f);
    const holder = new pg.Client({ connectionString: f.database.dsn });
    await holder.connect();
    const mark = f.lines.length;
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE public.support_tickets IN ACCESS EXCLUSIVE MODE');
      // Fewer failures than the breaker's threshold (5 in a row): see breakerFaults for longer ones.
      await f.submitMany(3, f.loadable, 'LOCK');
      const drained = f.drain();
      // The lock goes once a search on the table has given up on it and been put back for a retry.
      await waitFor(() => retryCodes(f, mark).includes('PG_55P03'), 30_000);
      await holder.query('COMMIT');
      await drained;
    } finally {
      await holder.end();
      await f.sql(`ALTER ROLE ${f.appRole.name} RESET lock_timeout`);
    }
    const codes = retryCodes(f, mark);
    const report = await checkPipelineInvariant(f);
    process.stdout.write(
      `lock timeout: retry codes ${[...new Set(codes)].join(',')}; ${describeReport(report)}\n`,
    );
    expect(codes).toContain('PG_55P03');
    expect(report.violations).toEqual([]);
    expect(report.unexpected).toEqual([]);
  });

  it('too many clients: connections refused for a stretch, then every request loads', async () => {
    await f.sql(`ALTER ROLE ${f.appRole.name} CONNECTION LIMIT 1`);
    await terminatePipelineBackends(f);
    const mark = f.lines.length;
    try {
      await f.submitMany(3, f.loadable, 'LIMIT');
      const drained = f.drain();
      await sleep(800);
      await f.sql(`ALTER ROLE ${f.appRole.name} CONNECTION LIMIT -1`);
      await drained;
    } finally {
      await f.sql(`ALTER ROLE ${f.appRole.name} CONNECTION LIMIT -1`);
    }
    const codes = retryCodes(f, mark);
    const report = await checkPipelineInvariant(f);
    process.stdout.write(
      `too many clients: retry codes ${[...new Set(codes)].join(',')}; ${describeReport(report)}\n`,
    );
    // A refusal this short is absorbed by the connect retry inside the process (53300 is retried
    // with backoff before it surfaces); whatever reaches the pipeline's own retry is only 53300.
    expect(codes.filter((c) => c !== 'PG_53300')).toEqual([]);
    expect(report.violations).toEqual([]);
    expect(report.unexpected).toEqual([]);
  });

  it('a frozen container: pooled connections killed between batches are replaced before use', async () => {
    await f.submitMany(4, f.loadable, 'WARM');
    await f.drain();
    // Between invocations every pooled connection dies, as when a frozen container thaws.
    const terminated = await terminatePipelineBackends(f);
    const mark = f.lines.length;
    await f.submitMany(6, f.loadable, 'THAW');
    await f.drain();
    const report = await checkPipelineInvariant(f);
    process.stdout.write(
      `frozen container: ${terminated} pooled connections killed, ${retries(f, mark)} retries after the thaw; ${describeReport(report)}\n`,
    );
    expect(terminated).toBeGreaterThan(0);
    expect(report.violations).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.deadLetters.filter((d) => d.requestId?.startsWith('THAW'))).toEqual([]);
  });

  describe('password rotated while the pooled connections drop', () => {
    let report: InvariantReport | undefined;
    const rotated = `rotated-${Date.now().toString(36)}-secret`;

    it('every request still ends in exactly one terminal state, and no password appears in a line', {
      timeout: 60_000,
    }, async () => {
      await f.submitMany(2, f.loadable, 'PREROT');
      await f.drain();
      await f.rotatePassword(rotated);
      try {
        await terminatePipelineBackends(f);
        await f.submitMany(3, f.loadable, 'ROT');
        await f.drain(60_000);
      } finally {
        await f.rotatePassword(f.appRole.password);
      }
      report = await checkPipelineInvariant(f);
      process.stdout.write(`password rotation: ${describeReport(report)}\n`);
      expect(report.violations).toEqual([]);
      const text = f.lines.join('\n');
      expect(text).not.toContain(rotated);
      expect(text).not.toContain(f.appRole.password);
    });

    // The pipeline reads its credentials from PG_DSN_FILE, reread after a 28P01 as a secret would be.
    it('loads every request after the rotation', () => {
      expect(report?.unexpected.filter((u) => u.requestId.startsWith('ROT'))).toEqual([]);
    });
  });
  // Last: it redrives every dead-letter queue, and leaves the pipeline with freshly started handlers.
  describe('Fault scenario: a cold start while a circuit is open', () => {
    it('new containers start with closed circuits, protect the database again, and nothing is lost', {
      timeout: 180_000,
    }, async () => {
      const from = f.submitted.length;
      const start = f.lines.length;
      const refusing = (l: string) => l.includes('CIRCUIT_OPEN');
      // The database refuses the pipeline's connections (too many clients for its role).
      await f.sql(`ALTER ROLE ${f.appRole.name} CONNECTION LIMIT 0`);
      await terminatePipelineBackends(f);
      let draining: Promise<void> | undefined;
      try {
        await f.submitMany(12, f.loadable, 'COLD');
        draining = f.drain(150_000).catch(() => undefined);
        expect(await waitFor(() => f.lines.slice(start).some(refusing), 60_000)).toBe(true);

        // New containers: fresh pools and closed circuits, while the database still refuses.
        const mark = f.lines.length;
        f.pipeline.coldStart();
        expect(await waitFor(() => f.lines.slice(mark).some(refusing), 60_000)).toBe(true);
      } finally {
        await f.sql(`ALTER ROLE ${f.appRole.name} CONNECTION LIMIT -1`);
      }
      await draining;
      // What ran out of receives meanwhile comes back with the redrive.
      await f.redrive();
      await f.drain(120_000);

      const report = await checkPipelineInvariant(f, f.submitted.slice(from));
      process.stdout.write(`cold start during an open circuit: ${describeReport(report)}\n`);
      expect(report.violations).toEqual([]);
      expect(report.unexpected).toEqual([]);
      expect(report.counts.loaded).toBe(12);
    });
  });
});
