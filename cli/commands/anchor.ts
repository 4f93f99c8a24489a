import type { Command } from 'commander';
import { evidenceLocation, openSnowflakeFromEnv } from '../../adapters/aws/openSnowflakeFromEnv';
import { S3AnchorStore } from '../../adapters/aws/S3AnchorStore';
import { createAwsClients } from '../../adapters/aws/sqsClients';
import { FileAnchorStore } from '../../shared/audit/FileAnchorStore';
import { takeLedgerAnchor } from '../../shared/audit/takeLedgerAnchor';
import { CliError, EXIT } from '../CliError';
import { addFormatOption, type OutputFormat, writeResult } from '../OutputFormat';

/** `dsr anchor (--anchors DIR | --anchor-bucket NAME)`: what the daily schedule runs. */
export function registerAnchor(program: Command): void {
  const command = program
    .command('anchor')
    .description(
      "write today's ledger anchor (every request's latest entry hash, hashed into one root) once; " +
        'a second run the same UTC day writes nothing',
    )
    .option('--anchors <dir>', 'the anchors as files (the local runtime)')
    .option('--anchor-bucket <name>', 'the anchor bucket (Object Lock)');
  addFormatOption(command).action(
    async (options: { anchors?: string; anchorBucket?: string; format: OutputFormat }) => {
      if (!!options.anchors === !!options.anchorBucket)
        throw new CliError('give one of --anchors or --anchor-bucket', EXIT.usage);
      const store = options.anchors
        ? new FileAnchorStore(options.anchors)
        : new S3AnchorStore(createAwsClients().s3, options.anchorBucket as string);
      const setup = openSnowflakeFromEnv(process.env);
      try {
        const anchor = await takeLedgerAnchor(setup.db, evidenceLocation(setup), store, new Date());
        writeResult(
          options.format,
          anchor
            ? { written: true, date: anchor.date, requests: anchor.requests.length, root: anchor.root }
            : { written: false },
          () =>
            anchor
              ? `anchor ${anchor.date}: ${anchor.requests.length} request(s), root ${anchor.root}\n`
              : 'today is anchored already: nothing written\n',
        );
      } finally {
        await setup.db.close();
      }
    },
  );
}
