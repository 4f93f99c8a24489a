import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app';
import type { DsrBridgeStack, DsrBridgeStackProps } from '../../infra/DsrBridgeStack';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'handler.ts');
export const FIXTURE_ENTRIES = {
  extract: FIXTURE,
  gate: FIXTURE,
  load: FIXTURE,
  erase: FIXTURE,
  redrive: FIXTURE,
  scan: FIXTURE,
  'dead-letter-recorder': FIXTURE,
  'deadline-check': FIXTURE,
};

/** The Snowflake context every deploy gives (the gate and the loader cannot start without it). */
export const SNOWFLAKE_CONTEXT = {
  snowflakeAccount: 'myorg-myaccount',
  snowflakeUser: 'DSR_LOADER',
  snowflakeWarehouse: 'DSR_WH',
  snowflakeDatabase: 'DSR',
  snowflakeSchema: 'EVIDENCE',
  snowflakeRole: 'DSR_LOADER',
};

/** The read-only user and role the extractors need when the data map has Snowflake tables. */
export const SNOWFLAKE_READER_CONTEXT = {
  snowflakeReaderUser: 'DSR_READER',
  snowflakeReaderRole: 'DSR_READER',
};

/** The user and role the erase function needs when the data map deletes or masks Snowflake rows. */
export const SNOWFLAKE_ERASURE_CONTEXT = {
  snowflakeErasureUser: 'DSR_ERASER',
  snowflakeErasureRole: 'DSR_ERASURE',
};

/** A data map that erases in both systems (delete, mask, retain, a table without a rule). */
export const ERASURE_DATA_MAP = join(import.meta.dirname, 'fixtures', 'erasure-datamap.yaml');

/**
 * A fresh app and stack, with cdk-nag registered as in production, and the Snowflake context
 * unless `context` replaces it (`withoutSnowflake: true` leaves it out). Bundling is skipped
 * (`aws:cdk:bundling-stacks`), so cases run in about a second.
 */
export function synthesize(
  overrides: Partial<DsrBridgeStackProps> = {},
  context: Record<string, unknown> = {},
  options: { readonly withoutSnowflake?: boolean } = {},
): { app: App; stack: DsrBridgeStack; template: () => Template } {
  const app = new App({
    context: {
      'aws:cdk:bundling-stacks': [],
      ...(options.withoutSnowflake ? {} : SNOWFLAKE_CONTEXT),
      ...context,
    },
  });
  const { stack } = buildApp(app, { entries: FIXTURE_ENTRIES, ...overrides });
  return { app, stack, template: () => Template.fromStack(stack) };
}

/** Logical ID of a construct's default CloudFormation resource. */
export function logicalId(stack: DsrBridgeStack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}
