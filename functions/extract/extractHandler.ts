import { randomBytes } from 'node:crypto';
import type { System } from '../../shared/datamap/System';
import { discoverSubjectStream, normalizeSubject } from '../../shared/discovery/discoverSubject';
import { SPILL_DIR_PREFIX } from '../../shared/discovery/FindingsSpill';
import type { TableSearcher } from '../../shared/discovery/SearchableTable';
import { planSubjectErasure } from '../../shared/erasure/planSubjectErasure';
import { subjectHash } from '../../shared/identity/subjectHash';
import type { IntakeRequest } from '../../shared/intake/IntakeRequest';
import { ForwardedLedger } from '../../shared/pipeline/ForwardedLedger';
import type { SqsBatchHandler } from '../../shared/pipeline/sqsEvent';
import { extractStage } from '../../shared/pipeline/stages/extractStage';
import { openPgDatabase } from '../../shared/postgres/openPgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import type { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import type { SnowflakeTableSearcher } from '../../shared/snowflake/SnowflakeTableSearcher';
import { removeStaleTempDirs } from '../../shared/tempFiles/privateTempDirs';
import { erasePlanHeapBytes, heldBytesOption } from '../common/erasePlanLimit';
import type { StageRuntime } from '../common/StageRuntime';
import { secretValue } from '../common/secretValue';
import { memoizeSuccess, pgCredentials } from '../common/stageFoundation';
import { stageHandler } from '../common/stageHandler';
import { extractConfig } from './extractEnv';

/** Stands in for the erasure key when a plan is checked (see `planErasure` below). */
const PLAN_CHECK_MASK_KEY = 'plan-check-stand-in-for-the-erasure-key';

/**
 * The extract stage's handler (high and standard intake queues): discovery across PostgreSQL and,
 * when the data map has Snowflake tables (or mirrors are searched), Snowflake, in one traversal,
 * so an identifier learned in either system is searched in both. The Snowflake driver is loaded
 * with `import()` only then: a PostgreSQL-only extractor never initialises it. Ledger entries
 * travel to the gate, which writes them (see `ForwardedLedger`).
 */
export function createExtractHandler(rawEnv: NodeJS.ProcessEnv, runtime: StageRuntime = {}): SqsBatchHandler {
  return stageHandler(rawEnv, runtime, extractConfig, async (wiring) => {
    const { config, env, dataMap, logger, sqs, stageDeps } = wiring;
    const cfg = config.env;
    const priority = cfg.DSR_PRIORITY;
    const gateQueue = cfg.NEXT_QUEUE_URL;
    const hashKey = await secretValue(
      cfg.DSR_SUBJECT_HASH_KEY,
      cfg.DSR_SUBJECT_HASH_KEY_SECRET_ARN,
      'DSR_SUBJECT_HASH_KEY',
      { ...(runtime.secrets ? { client: runtime.secrets } : {}) },
    )();

    const pg = cfg;
    const credentials = pgCredentials(cfg, runtime);
    const db = openPgDatabase(pg, credentials, (error) =>
      logger.warn('idle PostgreSQL client failed', { stage: env.DSR_STAGE, errorClass: error.name }),
    );
    const searchMirrors = cfg.DSR_SEARCH_MIRRORS;
    const snowflake = config.snowflake;
    // The searchers check the data map against the live catalogs: made on the first record, under
    // the breaker, so a database that is down at a cold start makes records back off.
    // Tags a request's warehouse statements with the stage and the request's hash, once Snowflake is open.
    let forRequest: (<T>(requestId: string, work: () => Promise<T>) => Promise<T>) | undefined;
    // The searcher's session, through which an erasure plan's Snowflake part is checked.
    let snowflakeDb: SnowflakeDatabase | undefined;
    // The PostgreSQL searcher as made: an access request's discovery first asks it whether row
    // security filters any mapped table for the reading role.
    let pgSearcher: PostgresTableSearcher | undefined;
    let sfSearcher: SnowflakeTableSearcher | undefined;
    const made = memoizeSuccess(async () => {
      pgSearcher = await PostgresTableSearcher.create(db, dataMap, env.DSR_DATAMAP_PATH, {
        pageSize: pg.DSR_PAGE_SIZE,
      });
      const made: Partial<Record<System, TableSearcher>> = { postgres: pgSearcher };
      if (snowflake) {
        const { openSnowflakeSearcher } = await import('../common/openSnowflake');
        const opened = await openSnowflakeSearcher(snowflake, dataMap, env.DSR_DATAMAP_PATH, runtime, {
          mirrors: searchMirrors,
          stage: env.DSR_STAGE,
        });
        made.snowflake = sfSearcher = opened.searcher;
        forRequest = opened.forRequest;
        snowflakeDb = opened.db;
      }
      return made;
    });
    // Made once per container, and both catalogs read again for every later request, so a warm
    // container searches the columns the tables have now (a column added since it started).
    const searchers = async () => {
      const existing = pgSearcher;
      const existingSnowflake = sfSearcher;
      const ready = await made();
      if (existing) await existing.refreshCatalog();
      if (existingSnowflake) await existingSnowflake.refreshCatalog();
      return ready;
    };

    const ledger = new ForwardedLedger(sqs, gateQueue);
    const hashSubject = (subject: IntakeRequest['subject']) =>
      subjectHash(hashKey, normalizeSubject(dataMap, subject));
    const work = extractStage({
      ...stageDeps(ledger),
      priority,
      nextQueueUrl: gateQueue,
      highQueueUrl: cfg.HIGH_QUEUE_URL ?? gateQueue,
      identityKinds: Object.keys(dataMap.identities),
      hashSubject,
      promotionWindowDays: cfg.DSR_PROMOTION_WINDOW_DAYS,
      claimCheckBytes: cfg.DSR_CLAIM_CHECK_BYTES,
      partBytes: cfg.DSR_FINDINGS_PART_BYTES,
      carriedLedger: (requestId) => ledger.carried(requestId),
      planErasure: async (request) => {
        const ready = await searchers();
        const run = () =>
          planSubjectErasure(
            {
              dataMap,
              db,
              searchers: ready,
              subjectHashKey: hashKey,
              // The plan's live checks evaluate keyed-hash masks for their shape (length, CHECKs);
              // the extractor never holds the erasure key, so a stand-in of the same length does.
              maskKey: PLAN_CHECK_MASK_KEY,
              randomBytes,
              // A subject too large for this function's memory is refused, not run out of memory on.
              ...heldBytesOption(erasePlanHeapBytes(cfg)),
              // The Snowflake part against Snowflake's catalog (types, lengths, NOT NULL, keys), so a
              // rule that cannot run is refused at the gate, before anything waits for approval.
              ...(snowflakeDb ? { snowflakeDb } : {}),
            },
            { requestId: request.requestId, identifiers: request.subject },
          );
        return forRequest ? forRequest(request.requestId, run) : run();
      },
      discover: async (request) => {
        const ready = await searchers();
        // Rows a policy hides would be left out of the answer without an error: refused (permanent,
        // PG_ROW_SECURITY_ACTIVE), naming the tables. An erasure's plan has its own check (ROWS_HIDDEN).
        await pgSearcher?.refuseRowSecurity();
        // Rows spill to the function's temporary directory as they are found: memory does not grow
        // with the subject. The stage disposes of the findings file once the message is sent.
        const run = () =>
          discoverSubjectStream(
            {
              dataMap,
              searchers: ready,
              subjectHashKey: hashKey,
              tableConcurrency: pg.DSR_TABLE_CONCURRENCY,
              searchMirrors,
            },
            { requestId: request.requestId, identifiers: request.subject },
          );
        const { findings } = forRequest ? await forRequest(request.requestId, run) : await run();
        return findings;
      },
    });
    return {
      ledger,
      work,
      beforeBatch: async () => {
        // Once per batch: a connection that died while the container was frozen is replaced before
        // any record uses it. A database that is down fails the records, which then back off.
        await db.healthCheck().catch(() => undefined);
        // A spill left in /tmp by an invocation that its timeout stopped holds a subject's rows: gone
        // before this invocation starts (each invocation disposes of its own on every other end).
        await removeStaleTempDirs(SPILL_DIR_PREFIX);
      },
    };
  });
}
