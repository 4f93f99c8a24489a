import { describe, expect, it } from 'vitest';
import { erasePlanMaxRows } from '../../../functions/common/erasePlanLimit';
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
  erasePlanMaxRows(extractConfig({ ...BASE, ...env }, () => MAP).env);

describe('The rows an erasure plan may hold in a function', () => {
  it('follows the memory Lambda gives the function', () => {
    expect(limitOf({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' })).toBe(140_800);
    expect(limitOf({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024' })).toBe(345_600);
    expect(limitOf({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' })).toBe(1);
  });

  it('is DSR_ERASE_PLAN_MAX_ROWS when set, whatever the memory', () => {
    expect(limitOf({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512', DSR_ERASE_PLAN_MAX_ROWS: '1000000' })).toBe(
      1_000_000,
    );
    expect(limitOf({ DSR_ERASE_PLAN_MAX_ROWS: '20' })).toBe(20);
  });

  it('has no limit on one machine, where Lambda sets no memory size', () => {
    expect(limitOf({})).toBeUndefined();
  });

  it('refuses a limit that is not a positive whole number, naming the variable', () => {
    expect(() => limitOf({ DSR_ERASE_PLAN_MAX_ROWS: '0' })).toThrow(ConfigError);
    expect(() => limitOf({ DSR_ERASE_PLAN_MAX_ROWS: 'lots' })).toThrow(/DSR_ERASE_PLAN_MAX_ROWS/);
  });
});
