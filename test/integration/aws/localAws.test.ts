import { createHash } from 'node:crypto';
import type { PutObjectCommandInput } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3PayloadStore } from '../../../adapters/aws/S3PayloadStore';
import { SqsMessageQueue } from '../../../adapters/aws/SqsMessageQueue';
import { LocalEventSourcePoller } from '../../../local/aws/LocalEventSourcePoller';
import { type LocalAws, startLocalAws } from '../../../local/aws/startLocalAws';
import type { CanonicalValue } from '../../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { buildFindingsDocument, serializeFindingsDocument } from '../../../shared/discovery/FindingsDocument';
import { findingsSourceOf } from '../../../shared/discovery/FindingsStream';
import { quarantineKey } from '../../../shared/payload/PayloadStore';
import { buildStageMessage } from '../../../shared/pipeline/StageMessage';
import type { SqsEvent } from '../../../shared/pipeline/sqsEvent';
import { verifyFindingsHandOff } from '../../../shared/pipeline/verifyFindingsHandOff';

describe('Local AWS runtime', () => {
  let aws: LocalAws;
  const puts: PutObjectCommandInput[] = [];

  beforeAll(async () => {
    aws = await startLocalAws();
    aws.s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand') puts.push(args.input as PutObjectCommandInput);
        return next(args);
      },
      { step: 'initialize', name: 'recordPuts' },
    );
  });
  afterAll(async () => {
    await aws.stop();
  });

  describe('Class: S3PayloadStore', () => {
    it('puts with SSE-KMS under the configured key and reads body and metadata back', async () => {
      const store = new S3PayloadStore(aws.s3, {
        bucket: aws.bucket,
        kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/k',
      });
      const key = quarantineKey('req-1', new Date('2026-03-04T05:06:07Z'));
      expect(key).toBe('quarantine/2026/03/04/req-1.json');
      const pointer = await store.put(key, '{"a":1}', { 'drift-type': 'column_added' });
      expect(pointer).toEqual({ bucket: aws.bucket, key });
      expect(puts.at(-1)).toMatchObject({
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'arn:aws:kms:eu-west-1:1:key/k',
      });
      expect(await store.get(pointer)).toEqual({
        body: '{"a":1}',
        metadata: {
          'drift-type': 'column_added',
          'content-sha256': createHash('sha256').update('{"a":1}').digest('hex'),
        },
      });
      expect(puts.at(-1)).toMatchObject({ ChecksumAlgorithm: 'SHA256' });
      expect(await store.get({ bucket: aws.bucket, key: 'nope.json' })).toBeUndefined();
    });

    it('claim-checks findings above the threshold and resolves them again', async () => {
      const store = new S3PayloadStore(aws.s3, { bucket: aws.bucket });
      const document = buildFindingsDocument({
        requestId: 'req-big',
        subjectHash: 'a'.repeat(64),
        tables: [
          {
            system: 'postgres',
            table: 'public.events',
            primaryKey: ['id'],
            rows: Array.from({ length: 50 }, (_, i) => ({
              key: { id: i },
              provenance: [],
              row: { id: i, note: 'x'.repeat(100) },
            })),
          },
        ],
      });
      const header = {
        requestId: 'req-big',
        type: 'access' as const,
        jurisdiction: 'GDPR',
        deadline: '2026-01-01T00:00:00.000Z',
        subjectHash: 'a'.repeat(64),
        traceId: 't',
        tablesTouched: ['postgres:public.events'],
      };
      const source = findingsSourceOf(document);
      const small = await buildStageMessage(header, source, store, { thresholdBytes: 1024, partBytes: 2048 });
      if (!('parts' in small.findings)) throw new Error('parts expected');
      expect(small.findings.parts.key).toBe(`claim-check/req-big/${document.evidenceHash}/manifest.json`);
      expect(puts.at(-1)).toMatchObject({ ServerSideEncryption: 'aws:kms' });
      // The parts, read back in the manifest's order, give exactly the canonical bytes that were sent.
      const verified = await verifyFindingsHandOff(small, store);
      expect(verified.parts.length).toBeGreaterThan(1);
      const lines: string[] = [];
      for (let i = 0; i < verified.parts.length; i++) lines.push(...(await verified.readPart(i)).lines);
      expect(`[${lines.join(',')}]`).toBe(canonicalJson(document.findings as unknown as CanonicalValue));
      const inline = await buildStageMessage(header, source, store);
      expect('inline' in inline.findings).toBe(true);
      expect(serializeFindingsDocument((await verifyFindingsHandOff(inline, store)).document as never)).toBe(
        serializeFindingsDocument(document),
      );
    });
    it('lists keys under a prefix page by page, following the continuation token', async () => {
      // Prepare: seven objects of one request, one of a request whose id shares the prefix's start.
      const store = new S3PayloadStore(aws.s3, { bucket: aws.bucket, listPageSize: 3 });
      const keys = Array.from({ length: 7 }, (_, i) => `claim-check/req-list/h/part-0000${i + 1}.ndjson`);
      for (const key of keys) await store.put(key, '{}');
      await store.put('claim-check/req-list-2/h/manifest.json', '{}');
      const lists: number[] = [];
      aws.s3.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'ListObjectsV2Command') lists.push(1);
          return next(args);
        },
        { step: 'initialize', name: 'countLists' },
      );
      // Act
      const pages: (readonly string[])[] = [];
      for await (const page of store.list('claim-check/req-list/')) pages.push(page);
      aws.s3.middlewareStack.remove('countLists');
      // Assess: three requests of at most three keys, nothing of the other request.
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(pages.flat()).toEqual(keys);
      expect(lists).toHaveLength(3);
      const none: (readonly string[])[] = [];
      for await (const page of store.list('claim-check/no-such-request/')) none.push(page);
      expect(none).toEqual([]);
    });

    it('deletes an object, and deleting a key that holds nothing is not an error', async () => {
      const store = new S3PayloadStore(aws.s3, { bucket: aws.bucket });
      const pointer = await store.put('erasure/req-del/case.json', '{"a":1}');
      await store.put('erasure/req-del-kept/case.json', '{"a":2}');
      await store.delete(pointer.key);
      expect(await store.get(pointer)).toBeUndefined();
      await expect(store.delete(pointer.key)).resolves.toBeUndefined();
      expect(await store.get({ bucket: aws.bucket, key: 'erasure/req-del-kept/case.json' })).toMatchObject({
        body: '{"a":2}',
      });
    });

    it('classifies a failed list or delete as an S3 dependency error', async () => {
      const store = new S3PayloadStore(aws.s3, { bucket: 'no-such-bucket' });
      const listing = async () => {
        for await (const _ of store.list('x/')) {
          // drained
        }
      };
      await expect(listing()).rejects.toMatchObject({
        name: 'DependencyError',
        dependency: 's3',
        retryable: false,
      });
      await expect(store.delete('x/y.json')).rejects.toMatchObject({ dependency: 's3', retryable: false });
    });
  });

  describe('Class: LocalEventSourcePoller', () => {
    it('deletes the records not reported as failures and redelivers the failures', async () => {
      const queue = aws.queues.load;
      for (const body of ['ok-1', 'fail', 'ok-2']) {
        await aws.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
      }
      const events: SqsEvent[] = [];
      const poller = new LocalEventSourcePoller({
        sqs: aws.sqs,
        queueUrl: queue.url,
        queueArn: queue.arn,
        visibilityTimeoutSeconds: 1,
        handler: async (event) => {
          events.push(event);
          return {
            batchItemFailures: event.Records.filter((r) => r.body === 'fail').map((r) => ({
              itemIdentifier: r.messageId,
            })),
          };
        },
      });
      expect(await poller.pollOnce(0)).toMatchObject({ received: 3, deleted: 2, failed: 1 });
      const record = events[0]?.Records[0];
      expect(record).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: queue.arn });
      expect(record?.attributes.ApproximateReceiveCount).toBe('1');
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(await poller.pollOnce(1)).toMatchObject({ received: 1, deleted: 0, failed: 1 });
      expect(events[1]?.Records.map((r) => [r.body, r.attributes.ApproximateReceiveCount])).toEqual([
        ['fail', '2'],
      ]);
    });

    it('moves a message past maxReceiveCount to the dead-letter queue, and changes visibility by queue ARN', async () => {
      const queue = aws.queues.gate;
      await aws.sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'always-fails' }));
      const adapter = new SqsMessageQueue(aws.sqs);
      const poller = new LocalEventSourcePoller({
        sqs: aws.sqs,
        queueUrl: queue.url,
        queueArn: queue.arn,
        deadLetter: { url: queue.deadLetterUrl, maxReceiveCount: 2 },
        handler: async (event) => {
          for (const r of event.Records) await adapter.changeVisibility(r.eventSourceARN, r.receiptHandle, 1);
          return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
        },
      });
      expect((await poller.pollOnce(0)).failed).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect((await poller.pollOnce(1)).failed).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await poller.pollOnce(1)).toMatchObject({ received: 0, deadLettered: 1 });
      expect(
        await new LocalEventSourcePoller({
          sqs: aws.sqs,
          queueUrl: queue.deadLetterUrl,
          queueArn: queue.deadLetterArn,
          handler: async () => ({ batchItemFailures: [] }),
        }).pollOnce(0),
      ).toMatchObject({ received: 1, deleted: 1 });
    });
  });
});
