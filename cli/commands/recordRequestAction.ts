import { evidenceLocation, openSnowflakeFromEnv } from '../../adapters/aws/openSnowflakeFromEnv';
import { withCompletions } from '../../functions/common/completionPublisher';
import { FileCompletionPublisher } from '../../local/pipeline/FileCompletionPublisher';
import { applyRequestAction } from '../../shared/audit/applyRequestAction';
import { parseReason, type RequestActionKind } from '../../shared/audit/RequestAction';
import { isDsrError } from '../../shared/errors/DsrError';
import { SnowflakeLedger } from '../../shared/load/SnowflakeLedger';
import { CliError, EXIT } from '../CliError';
import { type OutputFormat, writeResult } from '../OutputFormat';

/**
 * Records an extension or a cancellation in the ledger (`DSR_LEDGER`), decided as the gate decides
 * one that comes through intake. Prints the outcome; a refusal is exit 1 with its reason. A
 * cancellation publishes its completion event as the stages do: to `COMPLETION_TOPIC_ARN` when it
 * is set, else to the file `DSR_COMPLETIONS_FILE` (which `dsr up` exports); with neither, the
 * first stage that meets the request publishes it.
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
  const completionsFile = process.env.DSR_COMPLETIONS_FILE;
  const ledger = withCompletions(
    new SnowflakeLedger(async () => setup.db, evidenceLocation(setup)),
    process.env,
    completionsFile && !process.env.COMPLETION_TOPIC_ARN
      ? { completions: new FileCompletionPublisher(completionsFile) }
      : {},
    // A cancelled request has no package: the event names no location.
    process.env.PAYLOAD_BUCKET ?? 'none',
  );
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
