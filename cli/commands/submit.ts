import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import type { Command } from 'commander';
import { SqsMessageQueue } from '../../adapters/aws/SqsMessageQueue';
import { createAwsClients } from '../../adapters/aws/sqsClients';
import { loadDataMap } from '../../shared/datamap/loadDataMap';
import { DEFAULT_DEADLINE_RULES } from '../../shared/intake/computeDeadline';
import { REQUEST_TYPES, type RequestType } from '../../shared/intake/IntakeRequest';
import { MalformedRequestError } from '../../shared/intake/MalformedRequestError';
import { parseIntakeMessage } from '../../shared/intake/parseIntakeMessage';
import { CliError, EXIT } from '../CliError';
import { describeAwsFailure } from '../describeAwsFailure';
import { addFormatOption, type OutputFormat, writeResult } from '../OutputFormat';
import { checkRequestId, checkSubjectKinds, collectSubject } from '../parseSubjects';

interface SubmitOptions {
  queueUrl: string;
  file?: string;
  requestId?: string;
  subject?: Record<string, string[]>;
  jurisdiction?: string;
  type?: RequestType;
  receivedAt?: string;
  datamap?: string;
  format: OutputFormat;
}

/** An identity kind as the data map spells it; anything else in a message is refused as unknown. */
const IDENTITY_KIND = /^[a-z][a-z0-9_]*$/;

/**
 * `dsr submit --queue-url URL (--file MESSAGE.json | --request-id ID --subject kind=value …
 * --jurisdiction GDPR|CCPA [--type access|erasure] [--received-at ISO]) [--datamap FILE]`
 */
export function registerSubmit(program: Command): void {
  const command = program
    .command('submit')
    .description(
      'validate an intake message and send it to an intake queue; prints the SQS message id ' +
        '(exit 2 when the message is invalid: nothing is sent)',
    )
    .requiredOption('--queue-url <url>', 'the intake queue (high or standard)', parseQueueUrl)
    .option('--file <message.json>', 'send this intake message as it is (- for standard input)')
    .option('--request-id <id>', 'build a message: its request id', checkRequestId)
    .option(
      '--subject <kind=value>',
      'build a message: an identifier of the subject; repeat for more',
      collectSubject,
    )
    .option(
      '--jurisdiction <code>',
      `build a message: ${Object.keys(DEFAULT_DEADLINE_RULES).join(' or ')}`,
      parseJurisdiction,
    )
    .option('--type <type>', `build a message: ${REQUEST_TYPES.join(' or ')} (default access)`, parseType)
    .option('--received-at <iso>', 'build a message: when the request was received (default now)')
    .option('--datamap <file>', 'accept only the identity kinds this data map declares')
    .addHelpText(
      'after',
      '\nThe SQS endpoint is DSR_SQS_ENDPOINT or AWS_ENDPOINT_URL_SQS when set (the local runtime), ' +
        'otherwise the SDK default for AWS_REGION.',
    );
  addFormatOption(command).action(async (options: SubmitOptions) => {
    const body =
      options.file === undefined ? buildMessage(options) : await readMessage(options.file, options);
    const identities = options.datamap ? (await loadDataMap(options.datamap)).identities : undefined;
    const kinds = identities ? Object.keys(identities) : kindsInMessage(body);
    let request: ReturnType<typeof parseIntakeMessage>;
    try {
      request = parseIntakeMessage(body, { identityKinds: kinds });
    } catch (error) {
      // The reason names fields and kinds only, never identifier values.
      if (error instanceof MalformedRequestError)
        throw new CliError(`invalid intake message, nothing sent: ${error.message}`, EXIT.usage);
      throw error;
    }
    // Each identifier's syntax as `dsr discover` checks it (an e-mail kind takes an address only):
    // a message sent with a value no row can hold would be answered "we hold nothing about you".
    checkSubjectKinds(
      identities ?? Object.fromEntries(kinds.map((kind) => [kind, { normalize: 'none' }])),
      request.subject,
    );

    // A queue URL that is not AWS's (a local SQS) is its own endpoint: said here, the SDK does not
    // warn that the URL's host differs from the regional endpoint.
    const { sqs, s3 } = createAwsClients({
      sqsEndpoint: sqsEndpointFromEnv() ?? localQueueEndpoint(options.queueUrl),
    });
    try {
      const messageId = await new SqsMessageQueue(sqs)
        .send(options.queueUrl, body)
        .catch((error: unknown) => {
          throw describeAwsFailure(error, `queue ${options.queueUrl}`);
        });
      writeResult(
        options.format,
        {
          messageId: messageId ?? null,
          queueUrl: options.queueUrl,
          requestId: request.requestId,
          type: request.type,
          jurisdiction: request.jurisdiction,
          deadline: request.deadline,
        },
        () => `${messageId ?? ''}\n`,
      );
      process.stderr.write(
        `request ${request.requestId} (${request.type}, ${request.jurisdiction}, respond by ${request.deadline}) sent to ${options.queueUrl}\n`,
      );
    } finally {
      sqs.destroy();
      s3.destroy();
    }
  });
}

/**
 * The SQS endpoint for the local runtime: `DSR_SQS_ENDPOINT`, else `AWS_ENDPOINT_URL_SQS`; undefined
 * (the SDK's regional endpoint) when neither is set.
 */
export function sqsEndpointFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of ['DSR_SQS_ENDPOINT', 'AWS_ENDPOINT_URL_SQS'] as const) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol))
      throw new CliError(`${name} must be an http(s) URL such as http://127.0.0.1:9324`, EXIT.usage);
    return value;
  }
  return undefined;
}

function buildMessage(options: SubmitOptions): string {
  const missing = [
    options.requestId === undefined && '--request-id',
    options.subject === undefined && '--subject',
    options.jurisdiction === undefined && '--jurisdiction',
  ].filter((m): m is string => typeof m === 'string');
  if (missing.length > 0)
    throw new CliError(
      `give --file MESSAGE.json, or build the message with --request-id, --subject and --jurisdiction (missing ${missing.join(', ')})`,
      EXIT.usage,
    );
  return JSON.stringify({
    version: 1,
    requestId: options.requestId,
    type: options.type ?? 'access',
    subject: options.subject,
    jurisdiction: options.jurisdiction,
    receivedAt: options.receivedAt ?? new Date().toISOString(),
  });
}

async function readMessage(file: string, options: SubmitOptions): Promise<string> {
  const given = (
    [
      ['--request-id', options.requestId],
      ['--subject', options.subject],
      ['--jurisdiction', options.jurisdiction],
      ['--type', options.type],
      ['--received-at', options.receivedAt],
    ] as const
  )
    .filter(([, value]) => value !== undefined)
    .map(([name]) => name);
  if (given.length > 0)
    throw new CliError(`--file takes the whole message: leave out ${given.join(', ')}`, EXIT.usage);
  try {
    return file === '-' ? await text(process.stdin) : await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new CliError(`cannot read --file ${file} (${code})`, EXIT.usage);
  }
}

/**
 * Without a data map, the identity kinds the message itself uses are accepted, provided each is
 * spelled as a data map would spell it (a `__proto__` kind stays refused).
 */
function kindsInMessage(body: string): string[] {
  try {
    const subject = (JSON.parse(body) as { subject?: unknown }).subject;
    if (typeof subject !== 'object' || subject === null || Array.isArray(subject)) return [];
    return Object.keys(subject).filter((kind) => IDENTITY_KIND.test(kind));
  } catch {
    return [];
  }
}

function parseQueueUrl(value: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol))
    throw new CliError(
      `--queue-url takes the queue's URL, e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/dsr-high`,
      EXIT.usage,
    );
  return value;
}

function parseJurisdiction(value: string): string {
  const known = Object.keys(DEFAULT_DEADLINE_RULES);
  if (!known.includes(value))
    throw new CliError(
      `--jurisdiction takes ${known.slice(0, -1).join(', ')} or ${known.at(-1)}`,
      EXIT.usage,
    );
  return value;
}

function parseType(value: string): RequestType {
  const type = REQUEST_TYPES.find((t) => t === value);
  if (!type) throw new CliError(`--type takes ${REQUEST_TYPES.join(' or ')}`, EXIT.usage);
  return type;
}

/** The origin of a queue URL outside `amazonaws.com` (a local SQS), undefined for AWS's own. */
function localQueueEndpoint(queueUrl: string): string | undefined {
  const url = new URL(queueUrl);
  return /(^|\.)amazonaws\.com(\.cn)?$/.test(url.hostname) ? undefined : url.origin;
}
