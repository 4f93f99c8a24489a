import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Where a function runs when it must reach a private database. */
export interface FunctionNetwork {
  readonly vpc: ec2.IVpc;
  readonly subnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
}

export interface StageFunctionProps {
  /** The handler module, e.g. `functions/extract/handler.ts`. */
  readonly entry: string;
  readonly timeout: Duration;
  readonly memorySize?: number;
  readonly environment: Record<string, string>;
  readonly encryptionKey: kms.IKey;
  readonly network?: FunctionNetwork;
  /** Files copied next to the bundle (e.g. the data map), as [absolute source, name in the bundle]. */
  readonly assets?: readonly [string, string][];
  /** Modules never bundled (drivers a function does not use are simply not imported). */
  readonly externalModules?: string[];
  readonly reservedConcurrency?: number;
}

/**
 * A pipeline Lambda: Node 22 on ARM64, bundled locally by esbuild (no Docker), a KMS-encrypted log
 * group it alone may write to, and a role that starts with nothing but that.
 */
export class StageFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The environment the stack gives the function (what its configuration says it uses). */
  readonly environment: Readonly<Record<string, string>>;
  /** Whether the function runs in a VPC (and so holds the managed VPC access policy). */
  readonly inVpc: boolean;

  constructor(scope: Construct, id: string, props: StageFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.encryptionKey,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.logGroup.grantWrite(this.role);
    this.environment = { ...props.environment };
    this.inVpc = props.network !== undefined;
    if (props.network) {
      // ENI management for a VPC function; AWS documents no narrower resource than '*'.
      this.role.addManagedPolicy(
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
      );
    }
    const assets = props.assets ?? [];
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 512,
      role: this.role,
      logGroup: this.logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      reservedConcurrentExecutions: props.reservedConcurrency,
      vpc: props.network?.vpc,
      vpcSubnets: props.network?.subnets,
      securityGroups: props.network?.securityGroups,
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node22',
        externalModules: ['@aws-sdk/*', 'pg-native', ...(props.externalModules ?? [])],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_input: string, output: string) =>
            assets.map(([from, name]) => `cp "${from}" "${output}/${name}"`),
        },
      },
    });
  }
}
