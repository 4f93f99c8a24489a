import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { evidenceLocation, openSnowflakeFromEnv } from '../../adapters/aws/openSnowflakeFromEnv';
import { applyApproval } from '../../shared/audit/applyApproval';
import { SnowflakeLedger } from '../../shared/load/SnowflakeLedger';
import { readSessionIdentity } from '../../shared/snowflake/readSessionIdentity';
import { CliError, EXIT } from '../CliError';
import { addFormatOption, type OutputFormat, writeResult } from '../OutputFormat';

/** `dsr approve REQUEST_ID [--note TEXT]` */
export function registerApprove(program: Command): void {
  const command = program
    .command('approve')
    .description(
      'approve the erasure plan a request is waiting with (awaiting_approval); the erase stage then goes on. ' +
        'The approver is the Snowflake user and role this command logs in as; exit 1 when refused',
    )
    .argument('<request-id>', 'the request id')
    .option('--note <text>', 'why it is approved (only its SHA-256 is kept: a note may name people)')
    .addHelpText(
      'after',
      '\nSnowflake settings come from SNOWFLAKE_* (as for `dsr status`); log in as yourself, with the role ' +
        'that may approve: CURRENT_USER() and CURRENT_ROLE() of that session are recorded.',
    );
  addFormatOption(command).action((requestId: string, options: { note?: string; format: OutputFormat }) =>
    approve(requestId, options.note, options.format),
  );
}

async function approve(
  requestId: string,
  note: string | undefined,
  format: OutputFormat,
  now: Date = new Date(),
): Promise<void> {
  if (note !== undefined && note.trim() === '')
    throw new CliError('--note: give some text, or leave it out', EXIT.usage);
  const setup = openSnowflakeFromEnv(process.env);
  const ledger = new SnowflakeLedger(async () => setup.db, evidenceLocation(setup));
  try {
    const applied = await applyApproval(ledger, () => readSessionIdentity(setup.db), {
      requestId,
      now,
      traceId: `cli-${now.getTime()}`,
      ...(note !== undefined
        ? { noteSha256: createHash('sha256').update(note.trim().normalize('NFC')).digest('hex') }
        : {}),
    });
    if (applied.outcome === 'refuse') refuse(format, requestId, applied.refusal, applied.message);
    const recorded = applied.recorded.detail ?? {};
    if (
      recorded.approver !== applied.entry.detail?.approver ||
      recorded.planHash !== applied.entry.detail?.planHash
    )
      refuse(
        format,
        requestId,
        'already_approved',
        `request ${requestId} was approved at the same moment by ${String(recorded.approver)} (${String(recorded.approverRole)})`,
      );
    const result = {
      requestId,
      outcome: 'approved',
      approver: String(recorded.approver),
      approverRole: String(recorded.approverRole),
      planHash: String(recorded.planHash),
      ...(recorded.noteSha256 ? { noteSha256: String(recorded.noteSha256) } : {}),
    };
    writeResult(
      format,
      result,
      () =>
        `request ${requestId} approved by ${result.approver} (role ${result.approverRole}): ` +
        `plan ${result.planHash}${result.noteSha256 ? `, note sha256 ${result.noteSha256}` : ''}\n`,
    );
  } finally {
    await setup.db.close();
  }
}

/** A refusal: with `--format json` also a document on stdout (`outcome: "refused"`); exit 1 either way. */
function refuse(format: OutputFormat, requestId: string, refusal: string, message: string): never {
  if (format === 'json') writeResult(format, { requestId, outcome: 'refused', refusal, message }, () => '');
  throw new CliError(`refused (${refusal}): ${message}`, EXIT.failed);
}
