import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { applyApproval } from '../../shared/audit/applyApproval';
import { verifyLedger } from '../../shared/audit/verifyLedger';
import type { DataMap } from '../../shared/datamap/dataMapSchema';
import type { System } from '../../shared/datamap/System';
import type { TableSearcher } from '../../shared/discovery/SearchableTable';
import { erasureReceiptText } from '../../shared/erasure/erasureReceiptText';
import { formatErasurePlan } from '../../shared/erasure/formatErasurePlan';
import { planSubjectErasure } from '../../shared/erasure/planSubjectErasure';
import { writePrivateFile } from '../../shared/files/writePrivateFile';
import { FINAL_STATES, lifecycleOf, type RequestState } from '../../shared/ledger/RequestState';
import { readLedger } from '../../shared/load/readLedger';
import { SnowflakeErasureReceipts } from '../../shared/load/SnowflakeErasureReceipts';
import { SnowflakeLedger } from '../../shared/load/SnowflakeLedger';
import type { PayloadStore } from '../../shared/payload/PayloadStore';
import { isEraseCheckpoint } from '../../shared/pipeline/EraseCheckpoint';
import type { PgDatabase } from '../../shared/postgres/PgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import { writeErasurePackage } from '../../shared/report/package/writeErasurePackage';
import { renderErasureReceipt } from '../../shared/report/renderErasureReceipt';
import { renderTimeline } from '../../shared/report/renderTimeline';
import { readSessionIdentity } from '../../shared/snowflake/readSessionIdentity';
import type { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import { SnowflakeTableSearcher } from '../../shared/snowflake/SnowflakeTableSearcher';
import { type QueuedMessage, scanForValues } from '../pipeline/scanForValues';
import type { LocalPipeline } from '../pipeline/startLocalPipeline';
import type { LocalSnowflake } from '../snowflake/startLocalSnowflake';

/** The demo's erasure requests: one erased at once, one above the blast radius that waits for approval. */
export const ERASURES = [
  {
    requestId: 'DEMO-CHLOE-ERASE',
    note: 'Chloé asks to be forgotten; her earlier access answers (DEMO-CHLOE, DEMO-ELLA) lose their values',
    identifiers: { email: ['chloe.dubois@example.org'] },
    approve: false,
  },
  {
    requestId: 'DEMO-GRETA-ERASE',
    note: 'three support tickets: above the demo blast radius of 2 rows, waits for dsr approve',
    identifiers: { email: ['greta.nilsson@example.se'] },
    approve: true,
  },
] as const;

/** Values of the erased subjects that must be found nowhere dsr-bridge writes once they are erased. */
export const ERASED_VALUES = [
  'chloe.dubois@example.org',
  'Chloé Dubois',
  'née le 1985-07-14',
  'greta.nilsson@example.se',
  'Greta Nilsson',
  'Storgatan 7',
  'Please refund order 5512',
];

/** The demo runs with a small blast radius, so one of its erasures waits for approval. */
export const DEMO_ERASURE_ENV = { DSR_APPROVAL_MAX_ROWS: '2', DSR_APPROVAL_POLL_SECONDS: '1' } as const;

export interface ErasureDemoContext {
  readonly pipeline: LocalPipeline;
  readonly snowflake: LocalSnowflake;
  readonly pg: PgDatabase;
  readonly reader: SnowflakeDatabase;
  readonly dataMap: DataMap;
  readonly mapFile: string;
  readonly hashKey: string;
  readonly evidence: { readonly database: string; readonly schema: string };
  readonly bucket: PayloadStore;
  readonly outDir: string;
  readonly log: (line: string) => void;
  /** Log and metric lines written so far (the scan reads them after the erasures). */
  readonly lines: readonly string[];
  readonly deadLetters: readonly QueuedMessage[];
}

/**
 * Creates the PostgreSQL erasure role with exactly the grants `dsr datamap grants` prints for the
 * data map, and returns its connection string: the demo's erase function writes through it.
 */
export async function createDemoErasureRole(
  pg: PgDatabase,
  dsn: string,
  statements: readonly string[],
): Promise<string> {
  const password = randomBytes(12).toString('hex');
  const url = new URL(dsn);
  await pg.withClient(async (c) => {
    for (const statement of statements) await c.query(statement);
    await c.query(`ALTER ROLE dsr_erasure PASSWORD '${password}'`);
    await c.query(`GRANT CONNECT ON DATABASE ${url.pathname.slice(1)} TO dsr_erasure`);
  });
  url.username = 'dsr_erasure';
  url.password = password;
  return url.toString();
}

/**
 * The erasure half of the demo: the dry run of one plan (what `dsr erase --dry-run` prints), both
 * erasure requests through the queues, the approval of the waiting one (what `dsr approve` does, as
 * the local Snowflake user), each receipt written as JSON and as a confirmation, and the scan of
 * every place dsr-bridge writes for the erased subjects' values. Returns whether all went as it should.
 */
export async function runErasureDemo(c: ErasureDemoContext): Promise<{ ok: boolean; table: string[][] }> {
  const { log, pipeline, reader, evidence } = c;
  let ok = true;
  const greta = ERASURES[1];

  log('');
  log(`Erasure. Dry run of ${greta.requestId} (as \`dsr erase --dry-run\` prints it; nothing is changed):`);
  const searchers: Partial<Record<System, TableSearcher>> = {
    postgres: await PostgresTableSearcher.create(c.pg, c.dataMap, c.mapFile),
    snowflake: await SnowflakeTableSearcher.create(reader, c.dataMap, c.mapFile),
  };
  const dry = await planSubjectErasure(
    {
      dataMap: c.dataMap,
      db: c.pg,
      searchers,
      subjectHashKey: c.hashKey,
      maskKey: 'dry-run-stand-in-mask-key',
      randomBytes,
    },
    { requestId: greta.requestId, identifiers: { email: [...greta.identifiers.email] } },
  );
  for (const line of formatErasurePlan(dry.plan, dry.problems).trimEnd().split('\n')) log(`  ${line}`);

  const lifecycle = async (requestId: string): Promise<RequestState[]> =>
    lifecycleOf(await readLedger(reader, evidence, requestId).catch(() => []))
      .filter((e) => !isEraseCheckpoint(e))
      .map((e) => e.state as RequestState);
  const ended = async (requestId: string) => (await lifecycle(requestId)).some((s) => FINAL_STATES.has(s));

  for (const e of ERASURES) {
    await pipeline.submit(
      JSON.stringify({
        version: 1,
        requestId: e.requestId,
        type: 'erasure',
        subject: e.identifiers,
        jurisdiction: 'GDPR',
        receivedAt: new Date().toISOString(),
      }),
      'high',
    );
    log(`  submitted ${e.requestId} (${e.note})`);
  }
  const waited = await pipeline.pollUntil(
    async () =>
      (await ended(ERASURES[0].requestId)) &&
      (await lifecycle(greta.requestId)).includes('awaiting_approval'),
  );
  if (!waited) ok = false;
  log(
    `  ${greta.requestId}: ${(await lifecycle(greta.requestId)).at(-1) ?? 'none'} (plan above the blast radius)`,
  );
  const applied = await applyApproval(
    new SnowflakeLedger(async () => reader, evidence),
    () => readSessionIdentity(reader),
    {
      requestId: greta.requestId,
      now: new Date(),
      traceId: 'demo-approve',
    },
  );
  if (applied.outcome === 'approve')
    log(
      `  dsr approve ${greta.requestId}: approved by ${String(applied.recorded.detail?.approver)} (role ${String(applied.recorded.detail?.approverRole)}) for plan ${String(applied.recorded.detail?.planHash).slice(0, 16)}…`,
    );
  else {
    ok = false;
    log(`  dsr approve ${greta.requestId}: refused (${applied.refusal}) (!)`);
  }
  if (!(await pipeline.pollUntil(() => ended(greta.requestId)))) ok = false;

  const receipts = new SnowflakeErasureReceipts(async () => reader, evidence);
  const table: string[][] = [['erasure request', 'terminal state', 'receipt sha256', 'confirmation']];
  for (const e of ERASURES) {
    const states = await lifecycle(e.requestId);
    const state = states.at(-1) ?? 'none';
    const receipt = await receipts.get(e.requestId);
    let files = '';
    if (receipt) {
      const history = await readLedger(reader, evidence, e.requestId);
      const json = join(c.outDir, `${e.requestId}.receipt.json`);
      const md = join(c.outDir, `${e.requestId}.md`);
      await writePrivateFile(json, `${erasureReceiptText(receipt)}\n`);
      await writePrivateFile(
        md,
        `${renderErasureReceipt(receipt)}\n${renderTimeline(history, verifyLedger(history, [], new Set([e.requestId])))}`,
      );
      const pkg = await writeErasurePackage({
        receipt,
        dataMap: c.dataMap,
        timeline: { history, verification: verifyLedger(history, [], new Set([e.requestId])) },
        dir: join(c.outDir, e.requestId),
      });
      files = `${pkg.dir}/index.html, ${md}`;
    }
    if (state !== 'erased' || !receipt) ok = false;
    table.push([
      e.requestId,
      state === 'erased' ? state : `${state} (!)`,
      receipt?.receiptHash ?? '-',
      files,
    ]);
  }

  // Nothing of the erased subjects may be left where dsr-bridge writes: evidence, bucket, logs, dead letters.
  const hits = await scanForValues(ERASED_VALUES, {
    evidence: { query: (sql) => c.snowflake.sql(sql), ...evidence },
    bucket: c.bucket,
    lines: c.lines,
    deadLetters: c.deadLetters,
  });
  log(
    `  erased subjects' ${ERASED_VALUES.length} values searched in every evidence table, every bucket object, ${c.lines.length} log and metric lines and ${c.deadLetters.length} dead letters: ${hits.length} found.`,
  );
  for (const hit of hits) log(`  erased value ${hit.index + 1} found in ${hit.place} (!)`);
  if (hits.length > 0) ok = false;
  return { ok, table };
}
