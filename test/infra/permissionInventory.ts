import type { Template } from 'aws-cdk-lib/assertions';

/**
 * Every permission a role holds, as sorted `action on resource` lines, with resources named by
 * the logical ID they reference (hash suffix removed) and the object path joined after it
 * (`FailedPayloadsBucket/packages/*`), or written out when literal.
 */
export function permissionInventory(template: Template, roleLogicalId: string): string[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const lines = new Set<string>();
  for (const policy of Object.values(policies) as {
    Properties: {
      Roles: unknown[];
      PolicyDocument: { Statement: { Effect: string; Action: string | string[]; Resource: unknown }[] };
    };
  }[]) {
    if (!policy.Properties.Roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId })))
      continue;
    for (const statement of policy.Properties.PolicyDocument.Statement) {
      for (const action of [statement.Action].flat())
        for (const resource of [statement.Resource].flat())
          lines.add(`${statement.Effect} ${action} on ${describeResource(resource)}`);
    }
  }
  return [...lines].sort();
}

function describeResource(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const text = JSON.stringify(resource);
  const names = [...text.matchAll(/"(?:Ref|Fn::GetAtt)":\s*(?:"([A-Za-z0-9]+)"|\["([A-Za-z0-9]+)")/g)].map(
    (m) => (m[1] ?? m[2] ?? '').replace(/[0-9A-F]{8}$/, ''),
  );
  // The literal path joined after a reference: `/*` for every object, `/packages/*` for a prefix.
  const suffix = /"(\/[^"]*)"/.exec(text)?.[1] ?? '';
  return names.length ? `${names.join('+')}${suffix}` : text;
}
