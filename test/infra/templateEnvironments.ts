import type { App, Stack } from 'aws-cdk-lib';
import type { FunctionName } from '../../functions/functionConfigs';
import { DsrBridgeStack, type DsrBridgeStackProps } from '../../infra/DsrBridgeStack';
import { testApp } from './synthesize';

/** A value in a synthesised environment: a literal, or a CloudFormation reference to a resource. */
export type TemplateValue =
  | string
  | { readonly Ref: string }
  | { readonly 'Fn::GetAtt': readonly [string, string] }
  | { readonly 'Fn::Join': readonly [string, readonly TemplateValue[]] };

/** A resource a value refers to: its logical ID, type, and the attribute read (`undefined` for `Ref`). */
export interface TemplateReference {
  readonly logicalId: string;
  readonly type: string;
  readonly attribute: string | undefined;
}

/** The part of a CloudFormation template read here. */
export interface SynthesizedTemplate {
  readonly Resources: Record<
    string,
    { readonly Type: string; readonly Properties?: Record<string, unknown> }
  >;
}

/** The synthesised CloudFormation template of a stack (synthesises its app, as `cdk synth` does). */
export function synthesizedTemplate(app: App, stack: Stack): SynthesizedTemplate {
  return app.synth().getStackArtifact(stack.artifactId).template as SynthesizedTemplate;
}

/**
 * Each function's environment as the template deploys it, by function name, references left as
 * CloudFormation intrinsics for {@link resolveEnvironment}.
 */
export function templateEnvironments(
  stack: DsrBridgeStack,
  template: SynthesizedTemplate,
): Record<FunctionName, Record<string, TemplateValue>> {
  return Object.fromEntries(
    Object.entries(stack.bridge.functions).map(([name, fn]) => {
      const id = stack.getLogicalId(fn.function.node.defaultChild as never);
      const resource = template.Resources[id];
      if (!resource) throw new Error(`the template has no function ${id} (${name})`);
      const variables = (resource.Properties?.Environment as { Variables?: Record<string, TemplateValue> })
        ?.Variables;
      return [name, { ...variables }];
    }),
  ) as Record<FunctionName, Record<string, TemplateValue>>;
}

/**
 * Resolves an environment's references to strings with `resolve`; a value of any other shape is
 * refused, so nothing unresolved reaches a function's schema.
 */
export function resolveEnvironment(
  variables: Record<string, TemplateValue>,
  template: SynthesizedTemplate,
  resolve: (reference: TemplateReference) => string,
): Record<string, string> {
  const value = (v: TemplateValue, variable: string): string => {
    if (typeof v === 'string') return v;
    if ('Ref' in v) return resolve(reference(v.Ref, undefined, variable));
    if ('Fn::GetAtt' in v) return resolve(reference(v['Fn::GetAtt'][0], v['Fn::GetAtt'][1], variable));
    if ('Fn::Join' in v) return v['Fn::Join'][1].map((part) => value(part, variable)).join(v['Fn::Join'][0]);
    throw new Error(`${variable}: cannot resolve ${JSON.stringify(v)}`);
  };
  const reference = (logicalId: string, attribute: string | undefined, variable: string) => {
    const type = template.Resources[logicalId]?.Type;
    if (!type) throw new Error(`${variable} refers to ${logicalId}, which the template does not hold`);
    return { logicalId, type, attribute };
  };
  return Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, value(v, k)]));
}

/**
 * Synthesises the stack for `props` in a {@link testApp} (bundling skipped, no lookup) and returns each function's
 * environment as deployed, with references resolved by `resolve`.
 */
export function synthesizedEnvironments(
  props: DsrBridgeStackProps,
  resolve: (stack: DsrBridgeStack, reference: TemplateReference) => string,
): Record<FunctionName, Record<string, string>> {
  const app = testApp();
  const stack = new DsrBridgeStack(app, 'DsrBridgeStack', props);
  const template = synthesizedTemplate(app, stack);
  const environments = templateEnvironments(stack, template);
  return Object.fromEntries(
    Object.entries(environments).map(([name, vars]) => [
      name,
      resolveEnvironment(vars, template, (reference) => resolve(stack, reference)),
    ]),
  ) as Record<FunctionName, Record<string, string>>;
}
