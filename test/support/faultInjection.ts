import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { StageMessage } from '../../shared/pipeline/StageMessage';
import type { KnownSubject, LocalPipelineFixture } from './localPipelineFixture';

/** The Snowflake searcher's page size: a NULL key that ends a full page must be read to page on. */
const SEARCHER_PAGE = 1000;

/**
 * Seeds the warehouse with a subject whose rows make the code throw: a keyless export of web
 * sessions for one user, the last of a full page with a NULL `SESSION_ID`. A request for it is a
 * poison request: not a dependency's fault, dead-lettered as `INTERNAL_ERROR` after its retries.
 */
export async function seedPoisonSubject(
  f: LocalPipelineFixture,
  userId = '990000001',
): Promise<KnownSubject> {
  const rows = Array.from({ length: SEARCHER_PAGE - 1 }, (_, i) => {
    const id = `9a1d0000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    return `('${id}', ${userId}, NULL, ${i % 7}, NULL)`;
  });
  rows.push(`(NULL, ${userId}, NULL, 0, NULL)`);
  await f.snowflake.sql(
    `INSERT INTO ANALYTICS.PUBLIC.WEB_SESSIONS (SESSION_ID, USER_ID, STARTED_AT, PAGE_VIEWS, DEVICE) VALUES ${rows.join(', ')}`,
  );
  return { label: `poison-${userId}`, identifiers: { user_id: [userId] }, expect: 'dead_lettered', pii: [] };
}

/** Changes one character of the first row's text value: the findings no longer match their hash. */
export function alterFirstRow(findings: string): string {
  const at = findings.indexOf('"row":{');
  const quote = at < 0 ? -1 : findings.indexOf(':"', at + 7);
  if (quote < 0) return `${findings.slice(0, -1)},"tampered":true}`;
  const c = findings[quote + 2] === 'x' ? 'y' : 'x';
  return `${findings.slice(0, quote + 2)}${c}${findings.slice(quote + 3)}`;
}

/**
 * Takes one stage message off the gate queue and puts it back with its findings replaced by a
 * claim check whose object was altered after the hash was computed (as a bug or someone with
 * write access to the bucket would). Returns the request id, or undefined when the queue held no
 * stage message at that moment (a message that is not one is put back untouched).
 */
export async function corruptClaimCheck(f: LocalPipelineFixture): Promise<string | undefined> {
  const { sqs, s3, bucket, queues } = f.pipeline.aws;
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queues.gate.url, MaxNumberOfMessages: 1, WaitTimeSeconds: 0 }),
  );
  const taken = Messages?.[0];
  if (!taken?.Body) return undefined;
  let message: StageMessage | undefined;
  try {
    const parsed = JSON.parse(taken.Body) as StageMessage;
    if (parsed.kind === 'dsr.stage' && 'inline' in parsed.findings) message = parsed;
  } catch {
    message = undefined;
  }
  let body = taken.Body;
  if (message && 'inline' in message.findings) {
    const key = `claim-check/${message.requestId}/${message.evidenceHash}.json`;
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: alterFirstRow(message.findings.inline) }),
    );
    body = JSON.stringify({ ...message, findings: { claimCheck: { bucket, key } } });
  }
  await sqs.send(new SendMessageCommand({ QueueUrl: queues.gate.url, MessageBody: body }));
  await sqs.send(new DeleteMessageCommand({ QueueUrl: queues.gate.url, ReceiptHandle: taken.ReceiptHandle }));
  return body === taken.Body ? undefined : message?.requestId;
}

/** The `circuit opened` log lines, with what tripped each circuit. */
export function breakerOpenings(
  lines: readonly string[],
): { dependency: string; cause: { errorClass: string; code: string; kind: string } }[] {
  return lines
    .filter((l) => l.includes('"circuit opened"'))
    .map(
      (l) =>
        JSON.parse(l) as { dependency: string; cause: { errorClass: string; code: string; kind: string } },
    );
}
