import type { Command } from 'commander';
import { CANCEL_REASONS } from '../../shared/audit/RequestAction';
import { addFormatOption, type OutputFormat } from '../OutputFormat';
import { recordRequestAction } from './recordRequestAction';

/** `dsr cancel REQUEST_ID --reason "code[: free text]"` */
export function registerCancel(program: Command): void {
  const command = program
    .command('cancel')
    .description(
      'end a request in the cancelled state (identity not verified, withdrawn, manifestly unfounded…); ' +
        'a stage that meets it stops without further work; exit 1 when it has ended already',
    )
    .argument('<request-id>', 'the request id')
    .requiredOption(
      '--reason <reason>',
      `one of ${CANCEL_REASONS.join(', ')}, optionally followed by ": free text" (only its SHA-256 is kept)`,
    )
    .addHelpText('after', '\nSnowflake settings come from SNOWFLAKE_* (as for `dsr status`).');
  addFormatOption(command).action((requestId: string, options: { reason: string; format: OutputFormat }) =>
    recordRequestAction('cancel', requestId, options.reason, options.format),
  );
}
