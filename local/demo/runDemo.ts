import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3PayloadStore } from '../../adapters/aws/S3PayloadStore';
import { FileAnchorStore } from '../../shared/audit/FileAnchorStore';
import { requestClock } from '../../shared/audit/requestClock';
import { verifyLedger } from '../../shared/audit/verifyLedger';
import { parseDataMap } from '../../shared/datamap/loadDataMap';
import type { System } from '../../shared/datamap/System';
import { normalizeSubject } from '../../shared/discovery/discoverSubject';
import { type FindingsDocument, serializeFindingsDocument } from '../../shared/discovery/FindingsDocument';
import { findingsSourceOf } from '../../shared/discovery/FindingsStream';
import { erasureGrants } from '../../shared/erasure/erasureGrants';
import { makePrivateDirectory, writePrivateFile } from '../../shared/files/writePrivateFile';
import { subjectHash } from '../../shared/identity/subjectHash';
import { computeDeadline } from '../../shared/intake/computeDeadline';
import { lifecycleOf } from '../../shared/ledger/RequestState';
import { readLedger, readLedgerSince } from '../../shared/load/readLedger';
import { readLoadedFindings } from '../../shared/load/readLoadedFindings';
import { packageFile } from '../../shared/package/packageFile';
import { readDeadLetterEnvelope } from '../../shared/pipeline/DeadLetterEnvelope';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { PgDatabase } from '../../shared/postgres/PgDatabase';
import { EvidenceMismatchError, loadedFindingsDocument } from '../../shared/report/loadedFindingsDocument';
import { writeAccessPackage } from '../../shared/report/package/writeAccessPackage';
import { renderAccessReport } from '../../shared/report/renderAccessReport';
import { renderTimeline } from '../../shared/report/renderTimeline';
import { configureSnowflakeDriver } from '../../shared/snowflake/configureSnowflakeDriver';
import { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import { readQueueMessages, scanForValues } from '../pipeline/scanForValues';
import { startLocalPipeline } from '../pipeline/startLocalPipeline';
import { startEmbeddedPostgres } from '../postgres/embeddedPostgres';
import { generateSampleData } from '../sample/generateSampleData';
import { startLocalSnowflake } from '../snowflake/startLocalSnowflake';
import { createDemoErasureRole, DEMO_ERASURE_ENV, runErasureDemo } from './runErasureDemo';
import { seedWarehouse } from './warehouse';

type Terminal = 'loaded' | 'quarantined' | 'dead_lettered' | 'cancelled';

interface DemoRequest {
  readonly requestId: string;
  readonly note: string;
  readonly priority: 'high' | 'standard';
  readonly expect: Terminal;
  readonly identifiers?: Record<string, string[]>;
  readonly jurisdiction?: 'GDPR' | 'CCPA';
  /** The language the subject wrote in: the package is written in it. */
  readonly language?: string;
  /** Days before now the request was received (a standard request near its deadline is promoted). */
  readonly receivedDaysAgo?: number;
  /** A raw body instead of a well-formed message. */
  readonly raw?: string;
  /**
   * An operator's action sent through intake once the request has passed the gate (before it is
   * loaded): `extend` moves its deadline, `cancel` stops it before anything is loaded.
   */
  readonly action?: { readonly action: 'extend' | 'cancel'; readonly reason: string };
}

const REQUESTS: readonly DemoRequest[] = [
  {
    requestId: 'DEMO-ANA',
    note: 'email in mixed case; warehouse sessions through her user id',
    priority: 'high',
    expect: 'loaded',
    identifiers: { email: ['Ana.Lopez@Example.com'] },
  },
  {
    requestId: 'DEMO-BOB',
    note: 'phone only; orders and payments through follow edges; CCPA, 40 days old (promoted)',
    priority: 'standard',
    expect: 'loaded',
    identifiers: { phone: ['020 7946 0022'] },
    jurisdiction: 'CCPA',
    receivedDaysAgo: 40,
  },
  {
    requestId: 'DEMO-CHLOE',
    note: 'only in support tickets',
    priority: 'standard',
    expect: 'loaded',
    identifiers: { email: ['chloe.dubois@example.org'] },
  },
  {
    requestId: 'DEMO-DANA',
    note: 'in the newsletter table, whose mirror lost its time zone',
    priority: 'high',
    expect: 'quarantined',
    identifiers: { email: ['dana.kowalski@example.com'] },
  },
  {
    requestId: 'DEMO-NOBODY',
    note: 'unknown subject',
    priority: 'standard',
    expect: 'loaded',
    identifiers: { email: ['nobody@example.com'] },
  },
  {
    requestId: 'DEMO-ELLA',
    language: 'de',
    note: 'GDPR; the deadline extended by two months (complexity) while in flight',
    priority: 'high',
    expect: 'loaded',
    identifiers: { email: ['chloe.dubois@example.org'] },
    action: { action: 'extend', reason: 'complexity' },
  },
  {
    requestId: 'DEMO-FINN',
    note: 'cancelled in flight (identity not verified): nothing loaded',
    priority: 'high',
    expect: 'cancelled',
    identifiers: { email: ['Ana.Lopez@Example.com'] },
    action: { action: 'cancel', reason: 'identity_not_verified' },
  },
  {
    requestId: 'DEMO-MALFORMED',
    note: 'not a valid intake message',
    priority: 'standard',
    expect: 'dead_lettered',
    raw: '{"version": 1, "requestId": "DEMO-MALFORMED", "subject": ',
  },
];

/** Values seeded for the demo's subjects that must never appear in a log, metric or dead letter (any case, NFC/NFD, JSON-escaped). */
const SEEDED_PII = [
  'Ana.Lopez@Example.com',
  'ana.lopez@example.com',
  'Ána Łópez',
  '+44 20 7946 0011',
  '442079460011',
  '020 7946 0022',
  '02079460022',
  'bob.marsh@example.net',
  'Bob Marsh',
  'chloe.dubois@example.org',
  'Chloé Dubois',
  'dana.kowalski@example.com',
  '12 Rue de l',
  'Please call me',
  'Firefox 133',
];

/** A fixed local key: the demo's hashes are reproducible. Deployments read theirs from Secrets Manager. */
const DEMO_HASH_KEY = 'dsr-bridge-local-demo-key-not-for-production';
const EVIDENCE = { database: 'DSR', schema: 'EVIDENCE' };
const MAP_FILE = packageFile('local/demo/datamap.yaml');

/**
 * The whole pipeline on one machine: embedded PostgreSQL with the sample shop data, the local
 * Snowflake endpoint, SQS and S3 on loopback, and the same handlers Lambda runs. Submits the
 * requests above, follows them to their terminal states, writes each request's canonical findings
 * and access report, and checks every log line, metric and dead letter for the seeded personal data.
 * Returns the exit code: 0 only when every request reached the state it should.
 */
export async function runDemo(
  options: {
    outDir?: string;
    log?: (line: string) => void;
    /**
     * A superuser DSN of an empty database to load the sample shop into, instead of starting an
     * embedded server (the tests' shared server). The demo's erasure role, `dsr_erasure`, is created
     * on its cluster. @default an embedded server of its own
     */
    postgresDsn?: string;
  } = {},
): Promise<number> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const outDir = options.outDir ?? 'out';
  const emitted: string[] = [];
  const sink = (line: string) => {
    emitted.push(line);
  };

  log(
    options.postgresDsn
      ? 'Loading the sample shop database…'
      : 'Starting embedded PostgreSQL and loading the sample shop database…',
  );
  const server = options.postgresDsn
    ? { dsn: options.postgresDsn, stop: async () => {} }
    : await startEmbeddedPostgres({ label: 'demo' });
  const cleanups: (() => Promise<unknown>)[] = [() => server.stop()];
  try {
    await generateSampleData(server.dsn, { scale: 1, seed: 42 });
    const pg = new PgDatabase({
      credentials: new DsnCredentialSource(server.dsn),
      applicationName: 'dsr-demo',
    });
    cleanups.unshift(() => pg.end());
    await pg.withClient(async (c) => c.query(await readFile(packageFile('local/demo/demo.sql'), 'utf8')));
    const dataMap = parseDataMap(await readFile(MAP_FILE, 'utf8'), MAP_FILE);

    log('Starting the local Snowflake endpoint and seeding the warehouse (one mirror has drifted)…');
    const sf = await startLocalSnowflake();
    cleanups.unshift(() => sf.stop());
    await seedWarehouse(sf, pg, dataMap, {
      drift: { 'ANALYTICS.PUBLIC.NEWSLETTER_SUBSCRIPTIONS': { SUBSCRIBED_AT: 'TIMESTAMP_NTZ' } },
      evidence: EVIDENCE,
    });

    log('Starting SQS and S3 on loopback and the stage handlers…');
    // The erase function writes through a role holding exactly what `dsr datamap grants` prints.
    const erasurePgDsn = await createDemoErasureRole(
      pg,
      server.dsn,
      erasureGrants(dataMap).postgres.statements,
    );
    const pipeline = await startLocalPipeline({
      dataMapFile: MAP_FILE,
      pgDsn: server.dsn,
      erasurePgDsn,
      env: DEMO_ERASURE_ENV,
      snowflake: sf,
      evidence: EVIDENCE,
      subjectHashKey: DEMO_HASH_KEY,
      logSink: sink,
      metricSink: sink,
    });
    cleanups.unshift(() => pipeline.stop());
    configureSnowflakeDriver({ logLevel: 'OFF' });
    const reader = new SnowflakeDatabase({
      account: sf.account,
      user: 'DSR',
      password: 'dsr',
      accessUrl: sf.url,
      database: EVIDENCE.database,
      schema: EVIDENCE.schema,
    });
    cleanups.unshift(() => reader.close());

    const now = new Date();
    const bodyOf = (request: DemoRequest) => {
      const receivedAt = new Date(now.getTime() - (request.receivedDaysAgo ?? 0) * 86_400_000);
      return (
        request.raw ??
        JSON.stringify({
          version: 1,
          requestId: request.requestId,
          type: 'access',
          subject: request.identifiers,
          jurisdiction: request.jurisdiction ?? 'GDPR',
          receivedAt: receivedAt.toISOString(),
        })
      );
    };
    // Requests acted on in flight go first, through extraction and the gate only; their actions
    // then come through intake like a portal's, and are decided at the gate, before the load.
    const acted = REQUESTS.filter((r) => r.action);
    const throughGate = async () => {
      for (const poller of [pipeline.pollers.high, pipeline.pollers.gate])
        while ((await poller.pollOnce(0)).received > 0);
    };
    for (const request of acted) await pipeline.submit(bodyOf(request), request.priority);
    await throughGate();
    for (const request of acted) {
      const action = request.action as NonNullable<DemoRequest['action']>;
      await pipeline.submit(
        JSON.stringify({ action: action.action, requestId: request.requestId, reason: action.reason }),
        'high',
      );
      log(
        `  ${request.requestId}: ${action.action} (${action.reason}) sent through intake (${request.note})`,
      );
    }
    await throughGate();
    for (const request of REQUESTS.filter((r) => !r.action)) {
      await pipeline.submit(bodyOf(request), request.priority);
      log(`  submitted ${request.requestId} to the ${request.priority} queue (${request.note})`);
    }

    log('Running the pipeline…');
    const seen = new Map<string, string>();
    const progress = setInterval(() => {
      void (async () => {
        for (const request of REQUESTS) {
          const history = await readLedger(reader, EVIDENCE, request.requestId).catch(() => []);
          const last = history.at(-1);
          if (last && seen.get(request.requestId) !== `${last.state}/${last.stage}`) {
            seen.set(request.requestId, `${last.state}/${last.stage}`);
            log(`  ${request.requestId.padEnd(15)} ${last.state} (${last.stage})`);
          }
        }
      })();
    }, 400);
    try {
      await pipeline.drain(120_000);
    } finally {
      clearInterval(progress);
    }

    // Dead letters: envelopes only, matched to requests by id (or, for unparseable bodies, by stage).
    const deadLetterMessages = await readQueueMessages(
      pipeline.aws.sqs,
      Object.values(pipeline.aws.queues).map((q) => q.deadLetterUrl),
    );
    const deadLetters = deadLetterMessages.map((m) => m.body);
    const envelopes = deadLetters.map(readDeadLetterEnvelope);

    await makePrivateDirectory(outDir);
    const table: string[][] = [
      [
        'request',
        'queue',
        'expected',
        'terminal state',
        'rows (postgres / snowflake)',
        'evidence sha256',
        'report',
      ],
    ];
    let ok = true;
    for (const request of REQUESTS) {
      const history = await readLedger(reader, EVIDENCE, request.requestId);
      const last = lifecycleOf(history).at(-1)?.state;
      const dead = envelopes.some(
        (e) => e?.requestId === request.requestId || (request.raw && e && !e.requestId),
      );
      const state: string =
        last === 'loaded' || last === 'quarantined' || last === 'cancelled'
          ? last
          : dead
            ? 'dead_lettered'
            : (last ?? 'none');
      let rows = '';
      let hash = '';
      let report = '';
      if (state === 'loaded' && request.identifiers) {
        const written = await writeEvidence(request, outDir);
        rows = written.rows;
        hash = written.hash;
        report = written.report;
      }
      if (state !== request.expect) ok = false;
      table.push([
        request.requestId,
        request.priority,
        request.expect,
        state === request.expect ? state : `${state} (!)`,
        rows,
        hash,
        report,
      ]);
    }

    async function writeEvidence(request: DemoRequest, dir: string) {
      const loaded = await readLoadedFindings(reader, EVIDENCE, request.requestId);
      const subject = subjectHash(DEMO_HASH_KEY, normalizeSubject(dataMap, request.identifiers ?? {}));
      let document: FindingsDocument;
      try {
        document = loadedFindingsDocument({
          dataMap,
          requestId: request.requestId,
          subjectHash: subject,
          findings: loaded,
        });
      } catch (error) {
        // The evidence read back from Snowflake must be exactly what discovery produced.
        if (!(error instanceof EvidenceMismatchError)) throw error;
        document = error.document;
        ok = false;
        log(`  ${request.requestId}: evidence read back from Snowflake differs from the evidence loaded (!)`);
      }
      const json = join(dir, `${request.requestId}.json`);
      await writePrivateFile(json, `${serializeFindingsDocument(document)}\n`);
      const receivedAt = new Date(now.getTime() - (request.receivedDaysAgo ?? 0) * 86_400_000);
      const jurisdiction = request.jurisdiction ?? 'GDPR';
      const md = join(dir, `${request.requestId}.md`);
      const history = await readLedger(reader, EVIDENCE, request.requestId);
      // The deadline as it stands: moved by a recorded extension.
      const deadline = requestClock(history)?.deadline ?? computeDeadline(receivedAt, jurisdiction);
      await writePrivateFile(
        md,
        `${renderAccessReport(
          {
            requestId: request.requestId,
            type: 'access',
            jurisdiction,
            receivedAt: receivedAt.toISOString(),
            deadline: deadline.toISOString(),
          },
          document,
          dataMap,
        )}\n${renderTimeline(history, verifyLedger(history, [], new Set([request.requestId])))}`,
      );
      // The subject's package: the page, the data files, the evidence and the manifest.
      const pkg = await writeAccessPackage({
        source: findingsSourceOf(document),
        dataMap,
        request: {
          requestId: request.requestId,
          type: 'access',
          jurisdiction,
          receivedAt: receivedAt.toISOString(),
          deadline: deadline.toISOString(),
          ...(request.language ? { language: request.language } : {}),
        },
        timeline: { history, verification: verifyLedger(history, [], new Set([request.requestId])) },
        dir: join(dir, request.requestId),
      });
      const count = (s: System) => document.findings.filter((f) => f.system === s).length;
      return {
        rows: `${count('postgres')} / ${count('snowflake')}`,
        hash: `${document.evidenceHash.slice(0, 16)}…`,
        report: `${pkg.dir}/index.html (${pkg.language}), ${md}`,
      };
    }

    const erasure = await runErasureDemo({
      pipeline,
      snowflake: sf,
      pg,
      reader,
      dataMap,
      mapFile: MAP_FILE,
      hashKey: DEMO_HASH_KEY,
      evidence: EVIDENCE,
      bucket: new S3PayloadStore(pipeline.aws.s3, { bucket: pipeline.aws.bucket }),
      outDir,
      log,
      lines: emitted,
      deadLetters: deadLetterMessages,
    });
    if (!erasure.ok) ok = false;

    // The hourly check once: anchors the day's ledger; then the auditor's verification of every chain.
    await pipeline.deadlineCheck();
    const anchors = await new FileAnchorStore(pipeline.anchorDir).list();
    const verification = verifyLedger(await readLedgerSince(reader, EVIDENCE), anchors);
    for (const request of acted) {
      const history = await readLedger(reader, EVIDENCE, request.requestId);
      const entry = history.find((e) => e.state === 'extended' || e.state === 'cancelled');
      log(
        `  ${request.requestId}: ${entry?.state ?? 'no action recorded (!)'}${entry?.detail?.deadline ? ` to ${String(entry.detail.deadline)}` : ''} (reason ${String(entry?.detail?.reasonCode ?? '-')})`,
      );
      if (!entry) ok = false;
    }
    log(
      `Ledger verification (dsr verify): ${verification.breaks.length === 0 ? 'PASS' : 'FAIL'}: ${verification.requests} requests, ${verification.entries} entries, ${verification.anchors} anchor(s), ${verification.breaks.length} break(s).`,
    );
    if (verification.breaks.length > 0) ok = false;
    // What the deployed stack would publish to its completion topic; scanned for personal data too.
    const completions = pipeline.completions.events.map((e) => JSON.stringify(e));
    emitted.push(...completions);
    const hits = await scanForValues(SEEDED_PII, { lines: emitted, deadLetters: deadLetterMessages });
    log('');
    log(formatTable(table));
    log('');
    log(formatTable(erasure.table));
    log('');
    log(
      `${emitted.length} log and metric lines and ${deadLetters.length} dead letters checked for ${SEEDED_PII.length} seeded personal values: ${hits.length} found.`,
    );
    for (const hit of hits) log(`  seeded value ${hit.index + 1} found in ${hit.place}`);
    log(`Completion events (the deployed stack's SNS topic): ${completions.length}.`);
    for (const e of pipeline.completions.events)
      log(
        `  ${e.requestId} ${e.state}${e.packageLocation ? ` ${e.packageLocation}` : ''}${e.reason ? ` (${e.reason})` : ''}`,
      );
    log(`PagerDuty events sent: ${pipeline.pagerDuty.events.length}.`);
    for (const e of pipeline.pagerDuty.events)
      log(`  ${JSON.stringify((e as { payload?: { summary?: string } }).payload?.summary)}`);
    if (hits.length > 0) ok = false;
    log(
      ok ? 'Every request reached the state it should.' : 'Some request did not reach the state it should.',
    );
    return ok ? 0 : 1;
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}

function formatTable(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
