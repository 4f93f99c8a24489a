import { randomBytes } from 'node:crypto';
import { SecretsManagerCredentialSource } from '../../adapters/aws/SecretsManagerCredentialSource';
import type { System } from '../../shared/datamap/System';
import type { TableSearcher } from '../../shared/discovery/SearchableTable';
import type { ErasurePlan } from '../../shared/erasure/ErasurePlan';
import { executeErasureUnits } from '../../shared/erasure/executeErasurePlan';
import { snowflakeErasurePart } from '../../shared/erasure/executeSnowflakeErasure';
import { findingsErasureNeeds } from '../../shared/erasure/findingsErasureNeeds';
import { mappedSchemas, planSubjectErasure } from '../../shared/erasure/planSubjectErasure';
import { proveErasure } from '../../shared/erasure/proveErasure';
import { type ErasureCatalog, readErasureCatalog } from '../../shared/erasure/readErasureCatalog';
import { readRetentionFacts } from '../../shared/erasure/readSnowflakeRetention';
import { deleteRequestObjects, removeOwnCopies } from '../../shared/erasure/removeOwnCopies';
import { TEXT_SCAN_STATEMENT_TIMEOUT_MS } from '../../shared/erasure/scanTextColumns';
import { loadFindingsPart } from '../../shared/load/loadFindings';
import { SnowflakeErasureReceipts } from '../../shared/load/SnowflakeErasureReceipts';
import { SnowflakeSubjectCopies } from '../../shared/load/SnowflakeSubjectCopies';
import { SubjectPackageWriter } from '../../shared/pipeline/SubjectPackageWriter';
import type { SqsBatchHandler } from '../../shared/pipeline/sqsEvent';
import { eraseStage } from '../../shared/pipeline/stages/eraseStage';
import { DsnCredentialSource } from '../../shared/postgres/DsnCredentialSource';
import { openPgDatabase } from '../../shared/postgres/openPgDatabase';
import { PostgresTableSearcher } from '../../shared/postgres/PostgresTableSearcher';
import { snowflakeQueryTag } from '../../shared/snowflake/SnowflakeDatabase';
import { SnowflakeTableSearcher } from '../../shared/snowflake/SnowflakeTableSearcher';
import { erasePlanHeapBytes, heldBytesOption } from '../common/erasePlanLimit';
import { evidenceLedger } from '../common/evidenceLedger';
import { openSnowflake } from '../common/openSnowflake';
import { quarantinePorts } from '../common/quarantinePorts';
import type { StageRuntime } from '../common/StageRuntime';
import { secretValue } from '../common/secretValue';
import { memoizeSuccess, pgCredentials } from '../common/stageFoundation';
import { stageHandler } from '../common/stageHandler';
import { eraseConfig } from './eraseEnv';

/**
 * The erase stage's handler: reads PostgreSQL as the extractors do and writes it only through the
 * erasure role (`DSR_ERASURE_PG_*`); changes Snowflake tables as the erasure user; writes the
 * ledger, the valueless evidence and the receipt as the evidence writer. See `eraseStage`.
 */
export function createEraseHandler(rawEnv: NodeJS.ProcessEnv, runtime: StageRuntime = {}): SqsBatchHandler {
  return stageHandler(rawEnv, runtime, eraseConfig, async (wiring) => {
    const { config, env, dataMap, logger, payloads, stageDeps } = wiring;
    const cfg = config.env;
    const secrets = runtime.secrets ? { client: runtime.secrets } : {};
    const hashKey = await secretValue(
      cfg.DSR_SUBJECT_HASH_KEY,
      cfg.DSR_SUBJECT_HASH_KEY_SECRET_ARN,
      'DSR_SUBJECT_HASH_KEY',
      secrets,
    )();
    const maskKey = secretValue(
      cfg.DSR_ERASURE_MASK_KEY,
      cfg.DSR_ERASURE_MASK_KEY_SECRET_ARN,
      'DSR_ERASURE_MASK_KEY',
      secrets,
    );
    const warn = (error: Error) =>
      logger.warn('idle PostgreSQL client failed', { stage: env.DSR_STAGE, errorClass: error.name });
    const db = openPgDatabase(cfg, pgCredentials(cfg, runtime), warn);
    const writeDb = openPgDatabase(
      cfg,
      cfg.DSR_ERASURE_PG_DSN
        ? new DsnCredentialSource(cfg.DSR_ERASURE_PG_DSN)
        : new SecretsManagerCredentialSource({
            secretId: cfg.DSR_ERASURE_PG_SECRET_ARN as string,
            ...(runtime.secrets ? { client: runtime.secrets } : {}),
          }),
      warn,
    );
    // The evidence writer: ledger, valueless evidence, receipts.
    const evidence = openSnowflake(config.snowflake, runtime);
    // The erasure user: changes (and re-reads) the mapped Snowflake tables; searches them too, so the
    // proof reads what the erasure user sees. Without Snowflake rows to erase, the read-only user
    // searches (the evidence writer may not read the source tables), and without Snowflake to
    // search, nothing does.
    const sfErasure = config.snowflakeErasure ? openSnowflake(config.snowflakeErasure, runtime) : undefined;
    const sfReader = config.snowflakeReader ? openSnowflake(config.snowflakeReader, runtime) : undefined;
    const sfSearch = sfErasure ?? sfReader ?? evidence;
    const ledger = evidenceLedger(evidence, config.location, rawEnv, runtime, config.env.PAYLOAD_BUCKET);
    let pgSearcher: PostgresTableSearcher | undefined;
    let sfSearcher: SnowflakeTableSearcher | undefined;
    const made = memoizeSuccess(async () => {
      pgSearcher = await PostgresTableSearcher.create(db, dataMap, env.DSR_DATAMAP_PATH, {
        pageSize: cfg.DSR_PAGE_SIZE,
      });
      const searchers: Partial<Record<System, TableSearcher>> = { postgres: pgSearcher };
      if (dataMap.snowflake.length > 0)
        searchers.snowflake = sfSearcher = await SnowflakeTableSearcher.create(
          sfSearch,
          dataMap,
          env.DSR_DATAMAP_PATH,
          {
            mirrors: cfg.DSR_SEARCH_MIRRORS,
          },
        );
      return searchers;
    });
    // The searchers are made once per container; the catalogs are read for every use, so a warm
    // container plans, executes and proves against the tables as they are now.
    const prepared = async () => {
      const existing = pgSearcher;
      const existingSnowflake = sfSearcher;
      const searchers = await made();
      if (existing) await existing.refreshCatalog();
      if (existingSnowflake) await existingSnowflake.refreshCatalog();
      const catalog: ErasureCatalog = await readErasureCatalog(db, mappedSchemas(dataMap));
      return { searchers, catalog };
    };
    const receipts = new SnowflakeErasureReceipts(async () => evidence, config.location);
    const copies = new SnowflakeSubjectCopies(async () => evidence, config.location).portsWith(
      payloads,
      ledger,
    );
    const now = runtime.now ?? (() => new Date());
    const work = eraseStage({
      ...stageDeps(ledger),
      ...quarantinePorts(cfg, runtime),
      continueQueueUrl: cfg.CONTINUE_QUEUE_URL,
      packages: new SubjectPackageWriter({ dataMap, ledger, sinkFor: wiring.packageSink }),
      approval: { maxRowsWithoutApproval: cfg.DSR_APPROVAL_MAX_ROWS },
      approvalPollSeconds: cfg.DSR_APPROVAL_POLL_SECONDS,
      reserveMs: cfg.DSR_ERASE_RESERVE_MS,
      eraser: {
        execute: async (plan, findings, onStep, resume) => {
          const { catalog } = await prepared();
          const key = await maskKey();
          return executeErasureUnits(
            {
              dataMap,
              writeDb,
              checkDb: db,
              catalog,
              maskKey: key,
              randomBytes,
              onStep,
              batchRows: cfg.DSR_ERASE_BATCH_ROWS,
              ...(sfErasure
                ? (() => {
                    const part = snowflakeErasurePart({
                      db: sfErasure,
                      dataMap,
                      maskKey: key,
                      randomBytes,
                    });
                    const tagged = <T>(work: () => Promise<T>) =>
                      sfErasure.withQueryTag(snowflakeQueryTag(env.DSR_STAGE, plan.requestId), work);
                    return {
                      snowflake: {
                        check: (p: ErasurePlan) => tagged(() => part.check(p)),
                        execute: (p: ErasurePlan) => tagged(() => part.execute(p)),
                      },
                    };
                  })()
                : {}),
            },
            plan,
            findings,
            resume,
          );
        },
        replan: async ({ requestId, identifiers }) => {
          const { searchers, catalog } = await prepared();
          return planSubjectErasure(
            {
              dataMap,
              db,
              searchers,
              subjectHashKey: hashKey,
              maskKey: await maskKey(),
              randomBytes,
              catalog,
              ...heldBytesOption(erasePlanHeapBytes(cfg)),
            },
            { requestId, identifiers },
          );
        },
        prove: async ({ requestId, plan, findings, known }) => {
          const { searchers, catalog } = await prepared();
          return proveErasure(
            {
              dataMap,
              searchers,
              subjectHashKey: hashKey,
              catalog,
              db,
              ...(cfg.DSR_PROOF_SCAN_TEXT_ROWS !== undefined
                ? {
                    proofScanText: {
                      maxRowsPerTable: cfg.DSR_PROOF_SCAN_TEXT_ROWS,
                      statementTimeoutMs: TEXT_SCAN_STATEMENT_TIMEOUT_MS,
                    },
                  }
                : {}),
            },
            { requestId, plan, findings, known },
          );
        },
        retention: () => readRetentionFacts(sfSearch, dataMap, cfg.DSR_PG_BACKUP_RETENTION_DAYS),
        needs: async () => findingsErasureNeeds(dataMap, (await prepared()).catalog),
      },
      loadEvidence: async (findings, { message, evidenceHash }) => {
        const discovered = message.carriedLedger?.find((e) => e.state === 'discovered');
        await loadFindingsPart(
          evidence,
          config.location,
          { requestId: message.requestId, evidenceHash },
          findings,
          {
            discoveredAt: discovered ? new Date(discovered.at) : now(),
            batchSize: config.snowflake.env.SNOWFLAKE_LOAD_BATCH_SIZE,
            values: false,
          },
        );
      },
      receipts,
      removeOwnCopies: ({ subjectHash, requestId }) =>
        removeOwnCopies(copies, { subjectHash, requestId, at: now() }),
      deleteRequestObjects: (requestId) => deleteRequestObjects(payloads, requestId),
    });
    return {
      ledger,
      work,
      beforeBatch: async () => {
        await db.healthCheck().catch(() => undefined);
      },
    };
  });
}
