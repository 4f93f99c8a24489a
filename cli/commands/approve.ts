import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { evidenceLocation, openSnowflakeFromEnv } from '../../adapters/aws/openSnowflakeFromEnv';
import { applyApproval } from '../../shared/audit/applyApproval';
import { SnowflakeLedger } from '../../shared/load/SnowflakeLedger';
import { readSessionIdentity } from '../../shared/snowflake/readSessionIdentity';
import { CliError, EXIT } from '../CliError';

/** `dsr approve REQUEST_ID [--note TEXT]` */
export function registerApprove(program: Command): void {
  program
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
    )
    .action((requestId: string, options: { note?: string }) => approve(requestId, options.note));
}

async function approve(requestId: string, note: string | undefined, now: Date = new Date()): Promise<void> {
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
    if (applied.outcome === 'refuse')
      throw new CliError(`refused (${applied.refusal}): ${applied.message}`, EXIT.failed);
    const recorded = applied.recorded.detail ?? {};
    if (
      recorded.approver !== applied.entry.detail?.approver ||
      recorded.planHash !== applied.entry.detail?.planHash
    )
      throw new CliError(
        `refused (already_approved): request ${requestId} was approved at the same moment by ${String(recorded.approver)} (${String(recorded.approverRole)})`,
        EXIT.failed,
      );
    process.stdout.write(
      `request ${requestId} approved by ${String(recorded.approver)} (role ${String(recorded.approverRole)}): ` +
        `plan ${String(recorded.planHash)}${recorded.noteSha256 ? `, note sha256 ${String(recorded.noteSha256)}` : ''}\n`,
    );
  } finally {
    await setup.db.close();
  }
}
