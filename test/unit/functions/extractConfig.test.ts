import { describe, expect, it } from 'vitest';
import { extractConfig, snowflakeSearchReason } from '../../../functions/extract/extractEnv';
import { gateConfig } from '../../../functions/gate/gateEnv';
import type { DataMap } from '../../../shared/datamap/dataMapSchema';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { ConfigError } from '../../../shared/errors/errors';

// A keyless Snowflake table reached only through an identity learned in PostgreSQL.
const WITH_SNOWFLAKE = parseDataMap(
  `version: 1
identities:
  user_id: {}
postgres:
  - table: app.users
    primaryKey: [id]
    identities: { user_id: id }
    mirror: WH.APP.USERS
snowflake:
  - table: WH.EVENTS.CLICKS
    primaryKey: [CLICK_ID]
    identities: { user_id: USER_ID }
`,
  'map.yaml',
);
const POSTGRES_ONLY: DataMap = { ...WITH_SNOWFLAKE, snowflake: [] };

const BASE = {
  DSR_STAGE: 'extract-standard',
  DSR_PRIORITY: 'standard',
  PAYLOAD_BUCKET: 'payloads',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/dlq',
  NEXT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/gate',
  HIGH_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/high',
  PG_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:pg',
  DSR_SUBJECT_HASH_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:hk',
};
const SNOWFLAKE = {
  SNOWFLAKE_ACCOUNT: 'myorg-myaccount',
  SNOWFLAKE_USER: 'DSR_READER',
  SNOWFLAKE_ROLE: 'DSR_READER',
  SNOWFLAKE_PRIVATE_KEY_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:1:secret:sf',
};

const failure = (run: () => unknown): ConfigError => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('Function: extractConfig', () => {
  it('needs no Snowflake settings for a PostgreSQL-only data map, and ignores them when given', () => {
    expect(extractConfig(BASE, () => POSTGRES_ONLY).snowflake).toBeUndefined();
    expect(extractConfig({ ...BASE, ...SNOWFLAKE }, () => POSTGRES_ONLY).snowflake).toBeUndefined();
  });

  it('requires them when the data map has Snowflake tables, saying why', () => {
    const error = failure(() => extractConfig(BASE, () => WITH_SNOWFLAKE));
    expect(error.message).toMatch(/SNOWFLAKE_ACCOUNT.*1 Snowflake table\(s\), which the extractors search/);
    expect(
      extractConfig({ ...BASE, ...SNOWFLAKE }, () => WITH_SNOWFLAKE).snowflake?.connection,
    ).toMatchObject({
      user: 'DSR_READER',
      role: 'DSR_READER',
      auth: { kind: 'key-pair-secret' },
    });
  });

  it('requires them for mirrors only when mirrors are searched', () => {
    expect(snowflakeSearchReason(POSTGRES_ONLY, false)).toBeUndefined();
    expect(snowflakeSearchReason(POSTGRES_ONLY, true)).toMatch(/DSR_SEARCH_MIRRORS/);
    expect(
      failure(() => extractConfig({ ...BASE, DSR_SEARCH_MIRRORS: 'true' }, () => POSTGRES_ONLY)).message,
    ).toMatch(/SNOWFLAKE_ACCOUNT/);
  });

  it('takes each secret one way: neither and both are refused', () => {
    const { PG_SECRET_ARN: _, ...noPg } = BASE;
    expect(failure(() => extractConfig(noPg, () => POSTGRES_ONLY)).message).toMatch(
      /PG_SECRET_ARN: is not set \(nor PG_DSN, nor PG_DSN_FILE\): the PostgreSQL credentials/,
    );
    expect(
      failure(() => extractConfig({ ...BASE, PG_DSN: 'postgres://x@h/db' }, () => POSTGRES_ONLY)).message,
    ).toMatch(/PG_DSN: set only one of PG_SECRET_ARN, PG_DSN/);
    expect(
      failure(() => extractConfig({ ...BASE, DSR_SUBJECT_HASH_KEY: 'k'.repeat(40) }, () => POSTGRES_ONLY))
        .message,
    ).toMatch(/set only one of DSR_SUBJECT_HASH_KEY, DSR_SUBJECT_HASH_KEY_SECRET_ARN/);
  });

  it('requires the high queue of extract-standard only', () => {
    const { HIGH_QUEUE_URL: _, ...noHigh } = BASE;
    expect(failure(() => extractConfig(noHigh, () => POSTGRES_ONLY)).message).toMatch(
      /HIGH_QUEUE_URL: is not set/,
    );
    expect(
      extractConfig({ ...noHigh, DSR_PRIORITY: 'high', DSR_STAGE: 'extract-high' }, () => POSTGRES_ONLY).env
        .HIGH_QUEUE_URL,
    ).toBeUndefined();
  });

  it('refuses a password towards a real account at cold start', () => {
    const error = failure(() =>
      extractConfig(
        {
          ...BASE,
          SNOWFLAKE_ACCOUNT: 'myorg-myaccount',
          SNOWFLAKE_USER: 'DSR_READER',
          SNOWFLAKE_PASSWORD: 'pw',
        },
        () => WITH_SNOWFLAKE,
      ),
    );
    expect(error.message).toMatch(/SNOWFLAKE_PASSWORD/);
  });
});

describe('Function: gateConfig', () => {
  const GATE = {
    DSR_STAGE: 'gate',
    PAYLOAD_BUCKET: 'payloads',
    DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/dlq',
    NEXT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/load',
    ERASE_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/erase',
    PG_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:pg',
    PAGERDUTY_ROUTING_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:pd',
    ...SNOWFLAKE,
    SNOWFLAKE_DATABASE: 'DSR',
    SNOWFLAKE_SCHEMA: 'EVIDENCE',
  };

  it('reads the drift cache setting under the name the drift gate documents', () => {
    expect(gateConfig({ ...GATE, DSR_DRIFT_CACHE_TTL_MS: '1000' }, () => WITH_SNOWFLAKE).env).toMatchObject({
      DSR_DRIFT_CACHE_TTL_MS: 1000,
      DSR_DRIFT_THRESHOLD_PCT: 5,
    });
  });

  it('requires the erase queue, saying what it is for', () => {
    const { ERASE_QUEUE_URL: _, ...noErase } = GATE;
    expect(failure(() => gateConfig(noErase, () => WITH_SNOWFLAKE)).message).toMatch(
      /ERASE_QUEUE_URL: is not set: the erase queue, where erasure requests go after the gate/,
    );
    expect(gateConfig(GATE, () => WITH_SNOWFLAKE).env.ERASE_QUEUE_URL).toBe(
      'https://sqs.eu-west-1.amazonaws.com/1/erase',
    );
  });

  it('requires where the evidence lands', () => {
    const { SNOWFLAKE_SCHEMA: _, ...noSchema } = GATE;
    expect(failure(() => gateConfig(noSchema, () => WITH_SNOWFLAKE)).message).toMatch(
      /SNOWFLAKE_SCHEMA: is not set.*where the evidence lands/,
    );
  });
});
