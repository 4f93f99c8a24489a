import { evidenceLocation, openSnowflakeFromEnv } from '../../adapters/aws/openSnowflakeFromEnv';
import { applyRequestAction } from '../../shared/audit/applyRequestAction';
import { parseReason, type RequestActionKind } from '../../shared/audit/RequestAction';
import { isDsrError } from '../../shared/errors/DsrError';
import { SnowflakeLedger } from '../../shared/load/SnowflakeLedger';
import { CliError, EXIT } from '../CliError';
import { type OutputFormat, writeResult } from '../OutputFormat';

/**
 * Records an extension or a cancellation in the ledger (`DSR_LEDGER`), decided as the gate decides
 * one that comes through intake. Prints the outcome; a refusal is exit 1 with its reason.
 */
export async function recordRequestAction(
  action: RequestActionKind,
  requestId: string,
  reason: string,
  format: OutputFormat = 'text',
  now: Date = new Date(),
): Promise<void> {
  let parsed: ReturnType<typeof parseReason>;
  try {
    parsed = parseReason(action, reason);
  } catch (error) {
    throw new CliError(
      isDsrError(error) ? error.message.replace(/^bad_shape: /, '--reason: ') : String(error),
      EXIT.usage,
    );
  }
  const setup = openSnowflakeFromEnv(process.env);
  const ledger = new SnowflakeLedger(async () => setup.db, evidenceLocation(setup));
  try {
    const decision = await applyRequestAction(
      ledger,
      { action, requestId, ...parsed },
      { now, stage: 'operator', traceId: `cli-${now.getTime()}` },
    );
    if (decision.outcome === 'refuse') {
      if (format === 'json')
        writeResult(
          format,
          { requestId, action, outcome: 'refused', refusal: decision.refusal, message: decision.message },
          () => '',
        );
      throw new CliError(`refused (${decision.refusal}): ${decision.message}`, EXIT.failed);
    }
    const detail = decision.entry.detail ?? {};
    const result =
      action === 'extend'
        ? {
            requestId,
            action,
            outcome: 'extended',
            reasonCode: String(detail.reasonCode),
            previousDeadline: String(detail.previousDeadline),
            deadline: String(detail.deadline),
          }
        : {
            requestId,
            action,
            outcome: 'cancelled',
            reasonCode: String(detail.reasonCode),
            knownToLedger: detail.knownAtCancel !== false,
          };
    writeResult(format, result, () =>
      action === 'extend'
        ? `request ${requestId} extended: deadline ${detail.previousDeadline} → ${detail.deadline} (reason ${detail.reasonCode})\n`
        : `request ${requestId} cancelled (reason ${detail.reasonCode})${detail.knownAtCancel === false ? '; the ledger did not know it yet: a stage that meets it stops it' : ''}\n`,
    );
  } finally {
    await setup.db.close();
  }
}
