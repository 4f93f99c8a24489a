import type { Command } from 'commander';
import { EXTENSION_REASONS } from '../../shared/audit/RequestAction';
import { addFormatOption, type OutputFormat } from '../OutputFormat';
import { recordRequestAction } from './recordRequestAction';

/** `dsr extend REQUEST_ID --reason "code[: free text]"` */
export function registerExtend(program: Command): void {
  const command = program
    .command('extend')
    .description(
      "extend a request's deadline once, as its jurisdiction allows (GDPR: two further months; CCPA: 45 days), " +
        'recording it in the ledger; exit 1 when refused (too late, a second extension, none allowed, ended)',
    )
    .argument('<request-id>', 'the request id')
    .requiredOption(
      '--reason <reason>',
      `one of ${EXTENSION_REASONS.join(', ')}, optionally followed by ": free text" (only its SHA-256 is kept)`,
    )
    .addHelpText('after', '\nSnowflake settings come from SNOWFLAKE_* (as for `dsr status`).');
  addFormatOption(command).action((requestId: string, options: { reason: string; format: OutputFormat }) =>
    recordRequestAction('extend', requestId, options.reason, options.format),
  );
}
