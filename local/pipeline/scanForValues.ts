import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PayloadStore } from '../../shared/payload/PayloadStore';
import { quoteSnowflakeIdent as q } from '../../shared/snowflake/quoteSnowflakeIdent';

/** Where a value was found, and which value (its index in the list given): never the value. */
export interface ValueHit {
  readonly place: string;
  readonly index: number;
}

/** A message read from a dead-letter queue: its body and its attributes. */
export interface QueuedMessage {
  readonly queue: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Every place dsr-bridge writes, as the local pipeline has them. Each is optional. */
export interface WrittenPlaces {
  /** The evidence schema of the local Snowflake endpoint: every column of every table is read. */
  readonly evidence?: {
    readonly query: (sql: string) => Promise<readonly Record<string, unknown>[]>;
    readonly database: string;
    readonly schema: string;
  };
  /** The payload bucket: every object's body and metadata. */
  readonly bucket?: PayloadStore;
  /** Log and metric lines, as the `LogSink`s received them. */
  readonly lines?: readonly string[];
  /** Messages of the dead-letter queues ({@link readQueueMessages}). */
  readonly deadLetters?: readonly QueuedMessage[];
}

/**
 * The forms a value can take once written: as given, in Unicode NFC and NFD, each also as it reads
 * inside a JSON string (escaped quotes and control characters) and with every non-ASCII character
 * escaped (`\u00e1`), all lower-cased so that a match ignores case (hexadecimal escapes included).
 */
export function writtenForms(value: string): string[] {
  const forms = new Set<string>();
  const cases = [value, value.toLowerCase(), value.toUpperCase()];
  for (const text of new Set(cases.flatMap((c) => [c, c.normalize('NFC'), c.normalize('NFD')]))) {
    const json = JSON.stringify(text).slice(1, -1);
    const ascii = json.replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    for (const form of [text, json, ascii]) forms.add(form.toLowerCase());
  }
  return [...forms];
}

/** Which of the values occur in a text, by index, in any of their {@link writtenForms}. */
export function valuesIn(text: string, forms: readonly (readonly string[])[]): number[] {
  const haystacks = new Set([text.toLowerCase(), text.normalize('NFC').toLowerCase()]);
  const found: number[] = [];
  forms.forEach((variants, index) => {
    if (variants.some((v) => [...haystacks].some((h) => h.includes(v)))) found.push(index);
  });
  return found;
}

/**
 * Scans every place dsr-bridge writes for the given values (identifiers, erased row values) and
 * returns where each was found, by the value's index: a hit never carries the value, so a failing
 * test or a demo report does not print the personal data it looked for.
 */
export async function scanForValues(values: readonly string[], places: WrittenPlaces): Promise<ValueHit[]> {
  values.forEach((v, i) => {
    if (v.trim().length < 3)
      throw new Error(`value ${i} is shorter than 3 characters: it would match anywhere`);
  });
  const forms = values.map(writtenForms);
  const hits: ValueHit[] = [];
  const check = (place: string, text: string) => {
    for (const index of valuesIn(text, forms)) hits.push({ place, index });
  };

  if (places.evidence) {
    const { query, database, schema } = places.evidence;
    const tables = await query(
      `SELECT "TABLE_NAME" FROM ${q(database)}.INFORMATION_SCHEMA.TABLES WHERE "TABLE_SCHEMA" = '${schema.replace(/'/g, "''")}' ORDER BY "TABLE_NAME"`,
    );
    for (const { TABLE_NAME: table } of tables) {
      const rows = await query(`SELECT * FROM ${q(database)}.${q(schema)}.${q(String(table))}`);
      rows.forEach((row, n) => {
        for (const [column, cell] of Object.entries(row))
          if (cell !== null && cell !== undefined)
            check(
              `snowflake ${database}.${schema}.${String(table)} row ${n + 1} column ${column}`,
              textOf(cell),
            );
      });
    }
  }
  if (places.bucket) {
    for await (const page of places.bucket.list('')) {
      for (const key of page) {
        check(`bucket key ${key}`, key);
        const object = await places.bucket.get({ bucket: places.bucket.bucket, key });
        if (!object) continue;
        check(`bucket object ${key}`, object.body);
        check(`bucket metadata ${key}`, JSON.stringify(object.metadata));
      }
    }
  }
  places.lines?.forEach((line, n) => {
    check(`log or metric line ${n + 1}`, line);
  });
  places.deadLetters?.forEach((m, n) => {
    check(`dead letter ${n + 1} of ${m.queue} body`, m.body);
    check(`dead letter ${n + 1} of ${m.queue} attributes`, JSON.stringify(m.attributes));
  });
  return hits;
}

/**
 * Receives every message of the queues (each stays invisible for the queue's visibility timeout, so
 * the loop ends), with its string attributes.
 */
export async function readQueueMessages(
  sqs: SQSClient,
  queueUrls: readonly string[],
): Promise<QueuedMessage[]> {
  const messages: QueuedMessage[] = [];
  for (const url of queueUrls) {
    for (;;) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
        }),
      );
      if (!Messages?.length) break;
      for (const m of Messages)
        messages.push({
          queue: url.slice(url.lastIndexOf('/') + 1),
          body: m.Body ?? '',
          attributes: Object.fromEntries(
            Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']),
          ),
        });
    }
  }
  return messages;
}

function textOf(cell: unknown): string {
  if (typeof cell === 'string') return cell;
  if (cell instanceof Uint8Array) return Buffer.from(cell).toString('utf8');
  return JSON.stringify(cell) ?? String(cell);
}
