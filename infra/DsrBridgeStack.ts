import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DsrBridge } from './constructs/DsrBridge';
import type { DsrBridgeProps } from './DsrBridgeProps';

export { TIMEOUTS } from './constructs/DsrBridge';
export type { SnowflakeSettings } from './DsrBridgeProps';

export interface DsrBridgeStackProps extends DsrBridgeProps, StackProps {}

/**
 * The stack `cdk deploy` makes: the `DsrBridge` construct alone. To add dsr-bridge to an existing
 * CDK app, add the construct to one of its stacks instead (see the README, Deploying).
 */
export class DsrBridgeStack extends Stack {
  readonly bridge: DsrBridge;

  constructor(scope: Construct, id: string, props: DsrBridgeStackProps = {}) {
    super(scope, id, props);
    // A construct with the id `Default` adds nothing to its children's logical IDs: every resource
    // keeps the ID it had when the stack built them itself (an ID changed would replace it).
    this.bridge = new DsrBridge(this, 'Default', props);
  }
}
