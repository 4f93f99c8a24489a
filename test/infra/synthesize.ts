import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app';
import type { DsrBridgeStack, DsrBridgeStackProps } from '../../infra/DsrBridgeStack';
import { atFileEnd } from '../support/fileCleanup';

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
 * The context `cdk.json` gives every `cdk synth` (the feature flags among it), so the tests build
 * the template that deploys.
 */
export const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> = (
  JSON.parse(readFileSync(join(import.meta.dirname, '../../cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

/**
 * What the tests add to an app's context. Bundling is skipped (`aws:cdk:bundling-stacks`): the
 * tests read templates, not code. Stack traces are not recorded in the assembly's metadata
 * (`aws:cdk:disable-stack-trace`, `aws:cdk:disable-creation-stack-traces`): nothing here reads them,
 * and capturing one for every construct took about a fifth of each synthesis.
 */
const TEST_CONTEXT = {
  'aws:cdk:bundling-stacks': [],
  'aws:cdk:disable-stack-trace': true,
  'aws:cdk:disable-creation-stack-traces': true,
};

/** Output directories of this file's apps, removed when the file ends (CDK makes one per app). */
const outdirs: string[] = [];

/**
 * A fresh app with `cdk.json`'s context, the test context and `context`, whose cloud assembly goes to a directory this
 * file removes when it ends.
 */
export function testApp(context: Record<string, unknown> = {}): App {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk.out-'));
  if (outdirs.length === 0) atFileEnd(forgetApps);
  outdirs.push(outdir);
  return new App({ outdir, context: { ...CDK_JSON_CONTEXT, ...TEST_CONTEXT, ...context } });
}

type Synthesized = { app: App; stack: DsrBridgeStack; template: () => Template };

/** Apps already built in this file, by configuration: each distinct one is synthesised once. */
const built = new Map<string, Synthesized>();

/** Removes this file's output directories and forgets its apps, when the file ends. */
function forgetApps(): void {
  built.clear();
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * The app and stack of a configuration, with cdk-nag registered as in production, and the Snowflake
 * context unless `context` replaces it (`withoutSnowflake: true` leaves it out). A configuration
 * already built in this file is shared, with its template: a case that adds constructs to the stack
 * passes `fresh: true` and gets an app of its own.
 */
export function synthesize(
  overrides: Partial<DsrBridgeStackProps> = {},
  context: Record<string, unknown> = {},
  options: { readonly withoutSnowflake?: boolean; readonly fresh?: boolean } = {},
): Synthesized {
  const key = JSON.stringify([overrides, context, options.withoutSnowflake ?? false]);
  const shared = options.fresh ? undefined : built.get(key);
  if (shared) return shared;
  const app = testApp({ ...(options.withoutSnowflake ? {} : SNOWFLAKE_CONTEXT), ...context });
  const { stack } = buildApp(app, { entries: FIXTURE_ENTRIES, ...overrides });
  let template: Template | undefined;
  const result = { app, stack, template: () => (template ??= Template.fromStack(stack)) };
  if (!options.fresh) built.set(key, result);
  return result;
}

/** Logical ID of a construct's default CloudFormation resource. */
export function logicalId(stack: DsrBridgeStack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}
