import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3PayloadStore } from '../../../adapters/aws/S3PayloadStore';
import { type LocalAws, startLocalAws } from '../../../local/aws/startLocalAws';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import { buildFindingsDocument } from '../../../shared/discovery/FindingsDocument';
import { appendLedgerEntry } from '../../../shared/load/appendLedgerEntry';
import { loadFindings } from '../../../shared/load/loadFindings';
import { configureSnowflakeDriver } from '../../../shared/snowflake/configureSnowflakeDriver';
import type { SnowflakeDatabase } from '../../../shared/snowflake/SnowflakeDatabase';
import {
  type QueuedMessage,
  readQueueMessages,
  scanForValues,
  type WrittenPlaces,
} from '../../support/scanForValues';
import { startTestSnowflake } from '../../support/snowflake';
import { openTestSnowflakeDatabase } from '../snowflake/helpers';

const AT = { database: 'EVIDENCE', schema: 'DSR' };
const VALUES = ['Ána.López@Example.com', '+44 20 7946 0011', 'Chloé "Coco" Dubois', 'Zoë 😀 Łódź'];

let sf: LocalSnowflake;
let db: SnowflakeDatabase;
let aws: LocalAws;
let bucket: S3PayloadStore;
const lines: string[] = [];
const deadLetters: QueuedMessage[] = [];

const places = (): WrittenPlaces => ({
  evidence: { query: (sql) => sf.sql(sql), ...AT },
  bucket,
  lines,
  deadLetters,
});

const dlqs = () => Object.values(aws.queues).map((q) => q.deadLetterUrl);

/** A findings document whose one row holds `row`. */
const findings = (requestId: string, row: Record<string, string>) =>
  buildFindingsDocument({
    requestId,
    subjectHash: 'f'.repeat(64),
    tables: [
      {
        system: 'postgres',
        table: 'public.customer',
        primaryKey: ['id'],
        rows: [{ key: { id: 1 }, provenance: [], row: { id: 1, ...row } }],
      },
    ],
  });

beforeAll(async () => {
  configureSnowflakeDriver({ logLevel: 'OFF' });
  [sf, aws] = await Promise.all([startTestSnowflake(), startLocalAws()]);
  await sf.sql('CREATE DATABASE EVIDENCE');
  await sf.sql('CREATE SCHEMA EVIDENCE.DSR');
  db = openTestSnowflakeDatabase(sf);
  bucket = new S3PayloadStore(aws.s3, { bucket: aws.bucket });
  // What a clean run leaves: ids, hashes, codes, and rows of someone else.
  await loadFindings(db, AT, findings('REQ-CLEAN', { email: 'bob@example.net' }), {
    discoveredAt: new Date('2026-01-01T00:00:00Z'),
  });
  await appendLedgerEntry(db, AT, {
    requestId: 'REQ-CLEAN',
    state: 'received',
    stage: 'extract-standard',
    at: new Date('2026-01-01T00:00:00Z'),
    traceId: 't',
    detail: { subjectHash: 'f'.repeat(64) },
  });
  await sf.sql('CREATE TABLE EVIDENCE.DSR.NOTES (ID NUMBER, BODY VARCHAR, DOC VARIANT)');
  await sf.sql(`INSERT INTO EVIDENCE.DSR.NOTES SELECT 1, 'nothing personal', PARSE_JSON('{"a":"b"}')`);
  await bucket.put('claim-check/REQ-CLEAN/e/manifest.json', '{"parts":[]}', { 'request-id': 'REQ-CLEAN' });
  lines.push('{"level":"INFO","message":"loaded","requestId":"REQ-CLEAN"}');
  await aws.sqs.send(
    new SendMessageCommand({
      QueueUrl: aws.queues.gate.deadLetterUrl,
      MessageBody: '{"kind":"dsr.deadLetter","code":"X"}',
      MessageAttributes: { code: { DataType: 'String', StringValue: 'X' } },
    }),
  );
  deadLetters.push(...(await readQueueMessages(aws.sqs, dlqs())));
});

afterAll(async () => {
  await db?.close();
  await sf?.stop();
  await aws?.stop();
});

describe('Function: scanForValues', () => {
  it('reports nothing on a clean run, having read every place', async () => {
    expect(deadLetters).toHaveLength(1);
    expect(await scanForValues(VALUES, places())).toEqual([]);
  });

  it('finds a value planted in each place, in another case, normal form or escaping, and names the place only', async () => {
    // Prepare: one value in each place, each written differently from the form given.
    await loadFindings(db, AT, findings('REQ-LEAK', { email: 'ána.lópez@example.com' }), {
      discoveredAt: new Date('2026-01-01T00:00:00Z'),
    });
    await sf.sql(`INSERT INTO EVIDENCE.DSR.NOTES SELECT 2, '${'ZOË 😀 ŁÓDŹ'.normalize('NFD')}', NULL`);
    const escaped = JSON.stringify({ name: VALUES[2] }).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
    );
    await bucket.put('quarantine/2026/01/01/REQ-LEAK.json', escaped);
    lines.push(JSON.stringify({ _aws: {}, note: `call ${VALUES[1]}` }));
    await aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: aws.queues.load.deadLetterUrl,
        MessageBody: '{"kind":"dsr.deadLetter"}',
        MessageAttributes: { reason: { DataType: 'String', StringValue: `bad ${VALUES[0]?.toUpperCase()}` } },
      }),
    );
    deadLetters.push(...(await readQueueMessages(aws.sqs, dlqs())));
    // Act
    const hits = await scanForValues(VALUES, places());
    // Assess
    expect(hits).toEqual([
      // Rows come back in the table's order, which SQL leaves open: the row number is not asserted.
      {
        place: expect.stringMatching(/^snowflake EVIDENCE\.DSR\.DSR_FINDINGS row [12] column ROW$/),
        index: 0,
      },
      { place: expect.stringMatching(/^snowflake EVIDENCE\.DSR\.NOTES row [12] column BODY$/), index: 3 },
      { place: 'bucket object quarantine/2026/01/01/REQ-LEAK.json', index: 2 },
      { place: 'log or metric line 2', index: 1 },
      { place: 'dead letter 2 of dsr-load-dlq attributes', index: 0 },
    ]);
    const reported = JSON.stringify(hits).toLowerCase();
    for (const value of VALUES) expect(reported).not.toContain(value.toLowerCase());
  });

  it('refuses a value so short it would match anywhere', async () => {
    await expect(scanForValues(['ab'], { lines: [] })).rejects.toThrow(/value 0/);
  });
});
