import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { evidenceLocation, openSnowflakeFromEnv } from '../../adapters/aws/openSnowflakeFromEnv';
import { S3AnchorStore } from '../../adapters/aws/S3AnchorStore';
import { createAwsClients } from '../../adapters/aws/sqsClients';
import { FileAnchorStore } from '../../shared/audit/FileAnchorStore';
import type { AnchorStore } from '../../shared/audit/LedgerAnchor';
import { type LedgerVerification, verifyLedger } from '../../shared/audit/verifyLedger';
import { ensureEvidenceTables } from '../../shared/load/ensureEvidenceTables';
import { readLedgerSince } from '../../shared/load/readLedger';
import { CliError, EXIT } from '../CliError';
import { addFormatOption, writeResult } from '../OutputFormat';

interface VerifyOptions {
  since?: string;
  anchors?: string;
  anchorBucket?: string;
  format: 'text' | 'json';
}

/** `dsr verify [REQUEST_ID | --since DATE] [--anchors DIR | --anchor-bucket NAME]` */
export function registerVerify(program: Command): void {
  const command = program
    .command('verify')
    .description(
      "recompute the ledger's hash chains and check the daily anchors; report every entry changed, removed " +
        'or inserted, naming the request and position; exit 1 on any break',
    )
    .argument('[request-id]', 'one request (default: every request)')
    .option('--since <date>', 'only requests with an entry on or after this UTC date (YYYY-MM-DD)')
    .option('--anchors <dir>', 'the anchors as files (the local runtime)')
    .option(
      '--anchor-bucket <name>',
      'the anchor bucket (Object Lock), read with the credentials of your shell',
    )
    .addHelpText(
      'after',
      '\nSnowflake settings come from SNOWFLAKE_* (as for `dsr status`). Without anchors only the chains are ' +
        'checked: a removed last entry is then invisible.',
    );
  addFormatOption(command).action(async (requestId: string | undefined, options: VerifyOptions) => {
    if (requestId && options.since) throw new CliError('give a request id or --since, not both', EXIT.usage);
    if (options.since && !/^\d{4}-\d{2}-\d{2}$/.test(options.since))
      throw new CliError('--since takes a date, YYYY-MM-DD', EXIT.usage);
    const store = anchorStore(options);
    const setup = openSnowflakeFromEnv(process.env);
    try {
      const location = evidenceLocation(setup);
      await ensureEvidenceTables(setup.db, location);
      const since = options.since ? new Date(`${options.since}T00:00:00Z`) : undefined;
      let records = await readLedgerSince(setup.db, location, since);
      if (requestId) records = records.filter((r) => r.requestId === requestId);
      if (requestId && records.length === 0)
        throw new CliError(`no request ${requestId} in the ledger`, EXIT.failed);
      const scoped = requestId || since ? new Set(records.map((r) => r.requestId)) : undefined;
      const result = verifyLedger(records, store ? await store.list() : [], scoped);
      writeResult(options.format, result, () => formatVerification(result, !!store));
      if (result.breaks.length > 0)
        throw new CliError(`the ledger does not verify: ${result.breaks.length} break(s)`, EXIT.failed);
    } finally {
      await setup.db.close();
    }
  });
}

function anchorStore(options: VerifyOptions): AnchorStore | undefined {
  if (options.anchors && options.anchorBucket)
    throw new CliError('give --anchors or --anchor-bucket, not both', EXIT.usage);
  if (options.anchors) {
    // A mistyped folder would check no anchor and still pass: the chains alone cannot see a
    // removed last entry.
    if (!statSync(options.anchors, { throwIfNoEntry: false })?.isDirectory())
      throw new CliError(
        `--anchors ${options.anchors}: no such folder of anchors (dsr anchor --anchors DIR writes them)`,
        EXIT.usage,
      );
    return new FileAnchorStore(options.anchors);
  }
  if (options.anchorBucket) return new S3AnchorStore(createAwsClients().s3, options.anchorBucket);
  return undefined;
}

/** The verification as an auditor reads it: the counts, then one line per break. */
export function formatVerification(result: LedgerVerification, anchored: boolean): string {
  const lines = [
    `requests: ${result.requests}`,
    `entries: ${result.entries} (${result.unchained} unchained, written before chaining was enabled)`,
    `anchors: ${anchored ? result.anchors : 'not checked (no --anchors or --anchor-bucket)'}`,
    result.breaks.length === 0 ? 'result: PASS, no break' : `result: FAIL, ${result.breaks.length} break(s)`,
    ...result.breaks.map((b) => `  ${b.kind.padEnd(16)} ${b.message}`),
  ];
  return `${lines.join('\n')}\n`;
}
