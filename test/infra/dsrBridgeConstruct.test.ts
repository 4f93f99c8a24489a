import { Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
// Imported by the package's own name, as an app that depends on dsr-bridge imports it (`exports` in package.json).
import { DsrBridge } from 'dsr-bridge/construct';
import { describe, expect, it } from 'vitest';
import { FIXTURE_ENTRIES, testApp } from './synthesize';

describe('Construct: DsrBridge', () => {
  // The first synthesis in a process loads aws-cdk-lib, which takes a while on a busy machine.
  it('adds the whole bridge to a stack of an existing app, with no unacknowledged cdk-nag finding', {
    timeout: 180_000,
  }, () => {
    const app = testApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const existing = new Stack(app, 'CustomerPlatform', { env: { region: 'eu-west-1' } });
    const bridge = new DsrBridge(existing, 'Dsr', {
      entries: FIXTURE_ENTRIES,
      pagerDutyUrl: 'https://events.pagerduty.com/integration/abc123/enqueue',
      snowflake: {
        account: 'myorg-myaccount',
        user: 'DSR_LOADER',
        warehouse: 'DSR_WH',
        database: 'DSR',
        schema: 'EVIDENCE',
        role: 'DSR_LOADER',
      },
    });
    expect(() => app.synth()).not.toThrow();
    const template = Template.fromStack(existing);
    // Nine functions, five queues with their dead-letter queues, all within the host stack.
    template.resourceCountIs('AWS::Lambda::Function', 9);
    expect(Object.keys(template.findResources('AWS::SQS::Queue'))).toHaveLength(10);
    expect(
      Object.values(bridge.functions).every((f) => f.node.path.startsWith('CustomerPlatform/Dsr/')),
    ).toBe(true);
  });

  it('refuses props it cannot deploy before making any resource, naming what to give', () => {
    const stack = new Stack(testApp(), 'CustomerPlatform');
    expect(() => new DsrBridge(stack, 'Dsr', { entries: FIXTURE_ENTRIES })).toThrow(
      /The gate and the loader need Snowflake/,
    );
    expect(stack.node.findAll().filter((c) => c.node.path.startsWith('CustomerPlatform/Dsr/'))).toHaveLength(
      0,
    );
  });
});
