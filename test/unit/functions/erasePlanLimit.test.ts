import { describe, expect, it } from 'vitest';
import { erasePlanHeapBytes } from '../../../functions/common/erasePlanLimit';
import { extractConfig } from '../../../functions/extract/extractEnv';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { ConfigError } from '../../../shared/errors/errors';

const MAP = parseDataMap(
  `version: 1
identities:
  email: {}
postgres:
  - table: app.users
    primaryKey: [id]
    identities: { email: email }
`,
  'map.yaml',
);
const BASE = {
  DSR_STAGE: 'extract-high',
  DSR_PRIORITY: 'high',
  PAYLOAD_BUCKET: 'payloads',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/dlq',
  NEXT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/gate',
  PG_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:pg',
  DSR_SUBJECT_HASH_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:hk',
};
const limitOf = (env: Record<string, string>) =>
  erasePlanHeapBytes(extractConfig({ ...BASE, ...env }, () => MAP).env);

const MIB = 2 ** 20;

describe("The heap an erasure plan's rows may take in a function", () => {
  it('is two thirds of the memory Lambda gives the function above its base', () => {
    expect(limitOf({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' })).toBe(234 * MIB);
    expect(limitOf({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024' })).toBe(576 * MIB);
    expect(limitOf({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' })).toBe(1 * MIB);
  });

  it('is DSR_ERASE_PLAN_HEAP_MIB when set, whatever the memory', () => {
    expect(limitOf({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512', DSR_ERASE_PLAN_HEAP_MIB: '3000' })).toBe(
      3000 * MIB,
    );
    expect(limitOf({ DSR_ERASE_PLAN_HEAP_MIB: '1' })).toBe(MIB);
  });

  it('has no limit on one machine, where Lambda sets no memory size', () => {
    expect(limitOf({})).toBeUndefined();
  });

  it('refuses a limit that is not a positive whole number, naming the variable', () => {
    expect(() => limitOf({ DSR_ERASE_PLAN_HEAP_MIB: '0' })).toThrow(ConfigError);
    expect(() => limitOf({ DSR_ERASE_PLAN_HEAP_MIB: 'lots' })).toThrow(/DSR_ERASE_PLAN_HEAP_MIB/);
  });
});
